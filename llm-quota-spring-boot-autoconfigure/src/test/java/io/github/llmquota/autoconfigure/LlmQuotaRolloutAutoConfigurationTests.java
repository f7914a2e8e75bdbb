package io.github.llmquota.autoconfigure;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.llmquota.actuate.endpoint.LlmQuotaEndpoint;
import io.github.llmquota.actuate.endpoint.LlmQuotaEndpointWebExtension;
import io.github.llmquota.actuate.metrics.LlmQuotaMetricNames;
import io.github.llmquota.actuate.metrics.LlmQuotaMetricsListener;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.engine.Admission;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.live.LiveChanges;
import io.github.llmquota.live.ShadowDecisions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link LlmQuotaRolloutAutoConfiguration}: shadow mode as configured, and the
 * switch that turns the llmquota endpoint's write operations on.
 */
class LlmQuotaRolloutAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LlmQuotaAutoConfiguration.class, LlmQuotaAlertsAutoConfiguration.class,
				LlmQuotaRolloutAutoConfiguration.class, LlmQuotaEndpointAutoConfiguration.class))
		.withClassLoader(new FilteredClassLoader("org.springframework.data.redis"))
		.withPropertyValues("llm.quota.safety-margin=0", "llm.quota.models.gpt-4o.provider=openai",
				"llm.quota.models.gpt-4o.requests-per-minute=2", "management.endpoints.web.exposure.include=llmquota");

	@Test
	void writeOperationsAreOffUnlessEnabled() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(LlmQuotaEndpoint.class)
				.hasSingleBean(LiveChanges.class)
				.doesNotHaveBean(LlmQuotaEndpointWebExtension.class);
		});
	}

	@Test
	void enabledWriteOperationsChangeThePool() {
		this.runner.withPropertyValues("llm.quota.rollout.live-changes-enabled=true").run((context) -> {
			LlmQuotaEndpointWebExtension endpoint = context.getBean(LlmQuotaEndpointWebExtension.class);

			assertThat(endpoint.change("gpt-4o", null, null, "BACKGROUND", null, null, null, null, null).getStatus())
				.isEqualTo(200);

			assertThatExceptionOfType(QuotaRejectedException.class)
				.isThrownBy(() -> acquire(context.getBean(QuotaEngine.class), Priority.BACKGROUND))
				.satisfies((ex) -> assertThat(ex.getReason()).isEqualTo(RejectionReason.PAUSED));
		});
	}

	@Test
	void classInShadowModeIsAdmittedOverTheLimitWhileOthersAreEnforced() {
		this.runner.withPropertyValues("llm.quota.rollout.shadow-classes=BACKGROUND").run((context) -> {
			QuotaEngine engine = context.getBean(QuotaEngine.class);
			for (int i = 0; i < 4; i++) {
				acquire(engine, Priority.BACKGROUND).close();
			}

			assertThatExceptionOfType(QuotaRejectedException.class)
				.isThrownBy(() -> acquire(engine, Priority.CRITICAL));
			ShadowDecisions.Summary summary = context.getBean(ShadowDecisions.class).summary("gpt-4o");
			assertThat(summary.decisions()).isEqualTo(4);
			// BACKGROUND keeps 30 % of the bucket for higher classes: one request of two
			// fits.
			assertThat(summary.wouldBe()).containsEntry("GRANTED", 1L).containsEntry("DEADLINE", 3L);
		});
	}

	@Test
	void poolInShadowModeIsAdmittedOverTheLimit() {
		this.runner.withPropertyValues("llm.quota.rollout.shadow-pools=gpt-4o").run((context) -> {
			QuotaEngine engine = context.getBean(QuotaEngine.class);
			for (int i = 0; i < 4; i++) {
				acquire(engine, Priority.CRITICAL).close();
			}
		});
	}

	@Test
	void shadowModeNamingAnUnknownPoolOrClassStopsStartupNamingTheProperty() {
		this.runner.withPropertyValues("llm.quota.rollout.shadow-pools=gtp-4o")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(InvalidQuotaConfigurationException.class)
				.hasMessageContaining("llm.quota.rollout.shadow-pools"));
		this.runner.withPropertyValues("llm.quota.rollout.shadow-classes=URGENT")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(InvalidQuotaConfigurationException.class)
				.hasMessageContaining("llm.quota.rollout.shadow-classes"));
	}

	@Test
	void shadowDecisionsAreCountedByOutcomeAndReasonWithBoundedTags() {
		this.runner.run((context) -> {
			SimpleMeterRegistry registry = new SimpleMeterRegistry();
			LlmQuotaMetricsListener listener = new LlmQuotaMetricsListener(registry,
					context.getBean(QuotaSettings.class));
			QuotaSettings settings = context.getBean(QuotaSettings.class);
			QuotaRequest request = QuotaRequest.builder("gpt-4o").priority(Priority.NORMAL).build();

			listener.shadowed(settings.model("gpt-4o"), request,
					new Admission.Shadow(Admission.Status.REJECTED, RejectionReason.DEADLINE, 1_500));
			listener.shadowed(settings.model("gpt-4o"), request,
					new Admission.Shadow(Admission.Status.GRANTED, null, 0));

			assertThat(registry.get(LlmQuotaMetricNames.SHADOW_DECISIONS)
				.tags("pool", "gpt-4o", "priority", "NORMAL", "outcome", "rejected", "reason", "deadline")
				.counter()
				.count()).isEqualTo(1);
			assertThat(registry.get(LlmQuotaMetricNames.SHADOW_DECISIONS)
				.tags("outcome", "admitted", "reason", "none")
				.counter()
				.count()).isEqualTo(1);
			assertThat(registry.get(LlmQuotaMetricNames.SHADOW_WAIT).timer().totalTime(TimeUnit.MILLISECONDS))
				.isEqualTo(1_500);
		});
	}

	private static QuotaLease acquire(QuotaEngine engine, String priority) {
		return engine.acquire(QuotaRequest.builder("gpt-4o").priority(priority).maxWait(Duration.ZERO).build());
	}

}
