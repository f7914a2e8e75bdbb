package io.github.llmquota;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests that the fallback chain, the endpoint, health, gauges and alerts read pool state
 * from the engine only; see {@link ReadSideImports} for the rule.
 */
class ReadSideImportsTests {

	private static final String CHAIN = "io/github/llmquota/fallback/LlmFallbackChain.java";

	@Test
	void readersOfPoolStateDependOnTheEngineNeverOnTheStore() {
		Map<String, String> readers = ReadSideImports.readers(ReadSideImports.SOURCES);

		assertThat(readers).containsKeys(CHAIN, "io/github/llmquota/actuate/endpoint/LlmQuotaEndpoint.java",
				"io/github/llmquota/actuate/alert/QuotaThresholdMonitor.java",
				"io/github/llmquota/actuate/metrics/LlmQuotaMeterBinder.java",
				"io/github/llmquota/actuate/health/LlmQuotaHealthIndicator.java");
		assertThat(ReadSideImports.violations(readers)).isEmpty();
	}

	// The guard above can fail: the same check reports a reader that imports the store.
	@Test
	void readerThatImportsTheStoreIsReported() {
		Map<String, String> readers = new HashMap<>(ReadSideImports.readers(ReadSideImports.SOURCES));
		String forbidden = "import io.github.llmquota.engine.QuotaStore;\n"
				+ "import io.github.llmquota.local.InMemoryQuotaStore;\n";
		readers.computeIfPresent(CHAIN, (path, source) -> source.replaceFirst("import ", forbidden + "import "));

		assertThat(ReadSideImports.violations(readers)).containsExactly(
				CHAIN + " uses io.github.llmquota.engine.QuotaStore",
				CHAIN + " uses io.github.llmquota.local.InMemoryQuotaStore");
	}

	@Test
	void failoverStoreIsAllowedOnlyForItsOwnMeters() {
		Map<String, String> readers = Map.of(CHAIN, "import io.github.llmquota.failover.FailoverQuotaStore;",
				"io/github/llmquota/actuate/metrics/FailoverMeterBinder.java",
				"import io.github.llmquota.failover.FailoverQuotaStore;");

		assertThat(ReadSideImports.violations(readers))
			.containsExactly(CHAIN + " uses io.github.llmquota.failover.FailoverQuotaStore");
	}

}
