package io.github.llmquota.scope;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Health;

import io.github.llmquota.actuate.alert.LlmQuotaScopeThresholdEvent;
import io.github.llmquota.actuate.alert.LlmQuotaThresholdEvent;
import io.github.llmquota.actuate.alert.QuotaStatus;
import io.github.llmquota.actuate.alert.QuotaThresholdMonitor;
import io.github.llmquota.actuate.alert.QuotaThresholds;
import io.github.llmquota.actuate.endpoint.LlmQuotaEndpoint;
import io.github.llmquota.actuate.endpoint.LlmQuotaEndpoint.ScopeDescriptor;
import io.github.llmquota.actuate.health.LlmQuotaHealthIndicator;
import io.github.llmquota.actuate.metrics.LlmQuotaMeterBinder;
import io.github.llmquota.actuate.metrics.LlmQuotaMetricNames;
import io.github.llmquota.core.Dimension;
import io.github.llmquota.engine.Admission;
import io.github.llmquota.engine.AdmissionListener;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.Ticket;
import io.github.llmquota.local.InMemoryQuotaStore;
import io.github.llmquota.test.TestTree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

/**
 * Tests that scopes show on the read side as pools do: the endpoint's {@code scopes}
 * section, the threshold events, the gauges and health. The organisation allows 10
 * requests a minute; pool-a takes 9 of them, so the organisation is at 90 % (CRITICAL)
 * whichever of its pools reads it. Time is frozen, so nothing refills meanwhile.
 */
class ScopeReadSideTests {

	private final QuotaSettings settings = TestTree.organisation()
		.orgLimit(Dimension.REQUESTS_PER_MINUTE, 10)
		.orgConcurrency(10)
		.poolLimit(Dimension.REQUESTS_PER_MINUTE, 10)
		.reserve(0)
		.build();

	private final AtomicLong clock = new AtomicLong(1_000_000);

	private final InMemoryQuotaStore store = new InMemoryQuotaStore(this.settings, this.clock::get);

	private final DefaultQuotaEngine engine = new DefaultQuotaEngine(this.settings, this.store);

	private final List<Object> events = new ArrayList<>();

	private final QuotaThresholdMonitor monitor = new QuotaThresholdMonitor(this.engine, QuotaThresholds.DEFAULTS,
			Duration.ofMinutes(1), this.events::add, null);

	@AfterEach
	void close() {
		this.engine.close();
	}

	@Test
	void theEndpointShowsEachScopeWithItsParentPoolsLevelsAndCallsInFlight() {
		takeFromPoolA(9);

		Map<String, ScopeDescriptor> scopes = new LlmQuotaEndpoint(this.engine, this.settings, QuotaThresholds.DEFAULTS,
				List.of(), null, null)
			.pools()
			.scopes();

		assertThat(scopes).containsOnlyKeys("org", "project-a", "project-b");
		ScopeDescriptor org = scopes.get("org");
		assertThat(org.parent()).isNull();
		assertThat(org.pools()).containsExactly("pool-a", "pool-b");
		assertThat(org.status()).isEqualTo(QuotaStatus.CRITICAL);
		assertThat(org.dimensions()).containsOnlyKeys("requests-per-minute", "concurrency");
		LlmQuotaEndpoint.ScopeDimensionDescriptor rpm = org.dimensions().get("requests-per-minute");
		assertThat(rpm.limit()).isEqualTo(10);
		assertThat(rpm.level()).isEqualTo(9);
		assertThat(rpm.utilisation()).isEqualTo(0.9);
		assertThat(rpm.available()).isEqualTo(1);
		assertThat(org.inFlight()).isEqualTo(9);
		assertThat(org.maxConcurrency()).isEqualTo(10);
		assertThat(org.dimensions().get("concurrency").status()).isEqualTo(QuotaStatus.CRITICAL);
		ScopeDescriptor project = scopes.get("project-b");
		assertThat(project.parent()).isEqualTo("org");
		assertThat(project.pools()).containsExactly("pool-b");
		assertThat(project.status()).isEqualTo(QuotaStatus.OK);
		assertThat(project.dimensions()).isEmpty();
	}

	@Test
	void aScopeCrossingAThresholdRaisesOneEventPerDimensionNamingTheScope() {
		this.monitor.check();
		assertThat(this.events).isEmpty();
		takeFromPoolA(8);

		this.monitor.check();

		assertThat(this.events).filteredOn(LlmQuotaScopeThresholdEvent.class::isInstance)
			.map(LlmQuotaScopeThresholdEvent.class::cast)
			.extracting(LlmQuotaScopeThresholdEvent::getScope, LlmQuotaScopeThresholdEvent::getDimension,
					LlmQuotaScopeThresholdEvent::getStatus)
			.containsExactlyInAnyOrder(tuple("org", Dimension.REQUESTS_PER_MINUTE, QuotaStatus.WARN),
					tuple("org", Dimension.CONCURRENCY, QuotaStatus.WARN));
		assertThat(this.events).filteredOn(LlmQuotaThresholdEvent.class::isInstance)
			.map(LlmQuotaThresholdEvent.class::cast)
			.as("pool-a crossed on its own limit; pool-b, idle, did not cross with the organisation")
			.extracting(LlmQuotaThresholdEvent::getPool)
			.containsExactly("pool-a");
		assertThat(this.monitor.getLastScopeCheck().get("org").status()).isEqualTo(QuotaStatus.WARN);

		this.events.clear();
		this.monitor.check();
		assertThat(this.events).as("a level both pools read is one reading, not one crossing per pool").isEmpty();
	}

	@Test
	void gaugesAndHealthShowEachScopeByTheSameThresholds() {
		takeFromPoolA(9);
		this.monitor.check();
		SimpleMeterRegistry registry = new SimpleMeterRegistry();

		new LlmQuotaMeterBinder(this.settings, this.monitor).bindTo(registry);
		Health health = new LlmQuotaHealthIndicator(this.monitor, false).health();

		assertThat(registry.get(LlmQuotaMetricNames.SCOPE_UTILISATION)
			.tags(LlmQuotaMetricNames.TAG_SCOPE, "org", LlmQuotaMetricNames.TAG_DIMENSION, "requests-per-minute")
			.gauge()
			.value()).isCloseTo(0.9, within(1e-9));
		assertThat(registry.get(LlmQuotaMetricNames.SCOPE_AVAILABLE)
			.tags(LlmQuotaMetricNames.TAG_SCOPE, "org", LlmQuotaMetricNames.TAG_DIMENSION, "concurrency")
			.gauge()
			.value()).isEqualTo(1);
		assertThat(registry.find(LlmQuotaMetricNames.SCOPE_UTILISATION)
			.tag(LlmQuotaMetricNames.TAG_SCOPE, "project-a")
			.gauges()).as("a scope without limits of its own has no dimension to show").isEmpty();
		assertThat(health.getDetails()).extractingByKey("scopes")
			.asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
			.containsEntry("statuses",
					Map.of("org", QuotaStatus.CRITICAL, "project-a", QuotaStatus.OK, "project-b", QuotaStatus.OK))
			.containsEntry("critical", Map.of("org", List.of("requests-per-minute", "concurrency")));
	}

	// Leases that stay in flight: rpm and concurrency of the organisation both fill.
	private void takeFromPoolA(int requests) {
		this.store.start("w1", AdmissionListener.none());
		for (int i = 0; i < requests; i++) {
			Ticket ticket = new Ticket("a" + i, "w1", 0, new long[] { 1 }, 60_000, "model-a", null);
			assertThat(this.store.acquire(this.settings.pools().get("pool-a"), ticket).status())
				.isEqualTo(Admission.Status.GRANTED);
		}
	}

}
