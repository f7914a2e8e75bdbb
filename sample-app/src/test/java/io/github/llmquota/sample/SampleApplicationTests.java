package io.github.llmquota.sample;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.redis.RedisQuotaStore;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.failover.FailoverQuotaStore;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SampleApplicationTests {

	@Autowired
	private QuotaEngine engine;

	@Autowired
	private QuotaStore store;

	@Test
	void startsOnEmbeddedRedisAndAdmitsACall() {
		assertThat(this.store).isInstanceOfSatisfying(FailoverQuotaStore.class,
				(store) -> assertThat(store.getShared()).isInstanceOf(RedisQuotaStore.class));
		try (QuotaLease lease = this.engine.acquire(QuotaRequest.builder("claude-sonnet-4-5")
			.inputTokens(100)
			.maxOutputTokens(200)
			.build())) {
			lease.settle(TokenUsage.of(100, 50));
		}
	}

}
