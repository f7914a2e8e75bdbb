package io.github.llmquota.actuate.alert;

import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.local.InMemoryQuotaStore;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests that the engine's {@link io.github.llmquota.core.PoolState#utilisation()} (which
 * the endpoint and {@code backpressure} report) and the alerts and health (which read the
 * threshold monitor's check) agree about the same pool. They once did not: the engine
 * left concurrency out, so a pool full of slow calls was CRITICAL to the alerts and calm
 * to the engine's readers.
 */
class OneUtilisationTests {

	private static final double CRITICAL = QuotaThresholds.DEFAULTS.critical();

	// Plenty of requests per minute: concurrency is the only dimension that can get hot.
	private final QuotaSettings settings = TestSettings.pool("pool")
		.limit(Dimension.REQUESTS_PER_MINUTE, 1000)
		.maxConcurrency(2)
		.noReserves()
		.build();

	private final InMemoryQuotaStore store = new InMemoryQuotaStore(this.settings, () -> 1_000_000L);

	private final DefaultQuotaEngine engine = new DefaultQuotaEngine(this.settings, this.store);

	private final QuotaThresholdMonitor monitor = new QuotaThresholdMonitor(this.engine, QuotaThresholds.DEFAULTS,
			Duration.ofSeconds(5), (event) -> {
			}, null);

	@AfterEach
	void close() {
		this.monitor.stop();
		this.engine.close();
	}

	@Test
	void poolWhoseOnlyHotDimensionIsConcurrencyIsCriticalToEngineAndAlertsAlike() {
		QuotaLease first = acquire();
		QuotaLease second = acquire();

		this.monitor.check();

		assertThat(this.monitor.getLastCheck("pool").status()).isEqualTo(QuotaStatus.CRITICAL);
		assertThat(engineSeesCritical()).isTrue();
		first.release(CallOutcome.NOT_SENT);
		second.release(CallOutcome.NOT_SENT);
	}

	@Test
	void poolWithFreeConcurrencyIsCalmToEngineAndAlertsAlike() {
		QuotaLease lease = acquire();

		this.monitor.check();

		assertThat(this.monitor.getLastCheck("pool").status()).isEqualTo(QuotaStatus.OK);
		assertThat(engineSeesCritical()).isFalse();
		lease.release(CallOutcome.NOT_SENT);
	}

	private boolean engineSeesCritical() {
		return this.engine.state("pool").utilisation() >= CRITICAL;
	}

	private QuotaLease acquire() {
		return this.engine.acquire(QuotaRequest.builder("model").maxWait(Duration.ZERO).build());
	}

}
