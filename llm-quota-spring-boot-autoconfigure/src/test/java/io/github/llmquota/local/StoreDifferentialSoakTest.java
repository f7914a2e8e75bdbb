package io.github.llmquota.local;

import java.util.stream.LongStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.github.llmquota.test.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The differential test of {@link StoreDifferentialTests} over many more seeds, new ones
 * on every run unless told otherwise. Not part of the test run:
 * {@code ./mvnw -o -pl llm-quota-spring-boot-autoconfigure verify -Pdifferential}, with
 * {@code -Dllmquota.differential.seeds=N} (default 200),
 * {@code -Dllmquota.differential.operations=N} per seed (default 2000) and
 * {@code -Dllmquota.differential.first-seed=N} to repeat a run; a failure prints the one
 * seed to replay.
 */
@Tag("differential")
class StoreDifferentialSoakTest {

	private static final String RERUN = "./mvnw -o -pl llm-quota-spring-boot-autoconfigure verify -Pdifferential";

	private LettuceConnectionFactory connectionFactory;

	@BeforeEach
	void connect() {
		this.connectionFactory = TestRedis.shared().connectionFactory();
	}

	@AfterEach
	void disconnect() {
		this.connectionFactory.destroy();
	}

	@Test
	void inMemoryStoreDecidesEverythingAsTheScriptDoesOverManySeeds() {
		int seeds = Integer.getInteger("llmquota.differential.seeds", 200);
		int operations = Integer.getInteger("llmquota.differential.operations", 2_000);
		long first = Long.getLong("llmquota.differential.first-seed", System.currentTimeMillis() % 1_000_000_000);
		StoreDifferential differential = new StoreDifferential(this.connectionFactory, InMemoryQuotaStore::new, RERUN);
		long total = 0;
		long[] run = StoreDifferential.seeds(LongStream.range(first, first + seeds).toArray());
		for (long seed : run) {
			total += differential.run(seed, operations);
		}
		System.out.printf("Differential: seeds %d to %d, %d operations, Lua and in-memory agreed on all%n", run[0],
				run[run.length - 1], total);
		assertThat(total).isGreaterThanOrEqualTo((long) run.length * operations);
	}

}
