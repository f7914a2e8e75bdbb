package io.github.llmquota.sample.load;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A short tenant load against the simulator: two tenants, one with three workers and one
 * with one, each sending NORMAL calls in its own name. The run reports the tokens each
 * tenant's answered calls used; shares are the benchmark's business (docs/benchmarks.md),
 * not this test's, which checks only that every tenant was served and counted.
 */
@SpringBootTest(webEnvironment = WebEnvironment.NONE,
		properties = { "sample.load.enabled=true", "sample.load.duration=5s", "sample.load.interactive-rps=0",
				"sample.load.critical-rps=0", "sample.load.background-concurrency=0", "sample.load.tenant-workers=3,1",
				"sample.load.prompt-tokens=200", "sample.load.max-tokens=100", "sample.simulator.latency=200ms",
				"sample.simulator.latency-jitter=0ms", "llm.quota.tenants.enabled=true",
				"llm.quota.tenants.weights.tenant-1=3" })
class TenantLoadModeTests {

	@Autowired
	private LoadRunner runner;

	@Test
	void everyTenantIsServedAndItsTokensCounted() {
		LoadSummary summary = this.runner.summary();

		assertThat(summary.tenantTokens()).containsOnlyKeys("tenant-1", "tenant-2");
		assertThat(summary.tenantTokens().values()).allSatisfy((tokens) -> assertThat(tokens).isPositive());
		assertThat(summary.calls()).containsOnlyKeys("NORMAL");
		assertThat(summary.providerErrors()).isZero();
	}

}
