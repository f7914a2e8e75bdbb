package io.github.llmquota.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;

import io.github.llmquota.actuate.alert.LlmQuotaThresholdEvent;
import io.github.llmquota.actuate.alert.QuotaStatus;
import io.github.llmquota.actuate.alert.QuotaThresholdMonitor;
import io.github.llmquota.actuate.alert.QuotaThresholds;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.RejectionReason;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.mockito.Mockito.mock;

/**
 * Tests for {@link LlmQuotaAlertsAutoConfiguration}.
 */
class LlmQuotaAlertsAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(LlmQuotaAutoConfiguration.class, LlmQuotaAlertsAutoConfiguration.class))
		.withClassLoader(new FilteredClassLoader("org.springframework.data.redis"))
		.withPropertyValues("llm.quota.safety-margin=0", "llm.quota.models.gpt-4o.provider=openai",
				"llm.quota.models.gpt-4o.requests-per-minute=100");

	@Test
	void thresholdsDefaultToWarnAt80AndCriticalAt90PercentWithFivePointsOfHysteresis() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(QuotaThresholdMonitor.class);
			assertThat(context.getBean(QuotaThresholds.class)).isEqualTo(new QuotaThresholds(0.80, 0.90, 0.05));
		});
	}

	@Test
	void thresholdsAreConfigurable() {
		this.runner
			.withPropertyValues("llm.quota.alerts.warn-threshold=0.6", "llm.quota.alerts.critical-threshold=1.2",
					"llm.quota.alerts.hysteresis=0")
			.run((context) -> assertThat(context.getBean(QuotaThresholds.class))
				.isEqualTo(new QuotaThresholds(0.6, 1.2, 0)));
	}

	@Test
	void criticalPoolPublishesAnEventToTheApplication() {
		this.runner.withUserConfiguration(EventRecorder.class).run((context) -> {
			useUpTo(context, 95);
			context.getBean(QuotaThresholdMonitor.class).check();

			// The monitor's own first check may have caught the load on its way up, at
			// WARN.
			assertThat(context.getBean(EventRecorder.class).events).last().satisfies((event) -> {
				assertThat(event.getPool()).isEqualTo("gpt-4o");
				assertThat(event.getStatus()).isEqualTo(QuotaStatus.CRITICAL);
			});
			assertThat(context.getBean(QuotaThresholdMonitor.class).getLastCheck("gpt-4o").shedding())
				.as("utilisation alone does not shed")
				.isFalse();
		});
	}

	@Test
	void poolWhoseQueueTakesLongerThanTheConfiguredBoundToDrainShedsTheLowestClass() {
		// Two requests a minute: the waiting one is not admitted before the check.
		this.runner
			.withPropertyValues("llm.quota.pressure.max-queue-drain=0s",
					"llm.quota.models.gpt-4o.requests-per-minute=2")
			.run((context) -> {
				useUpTo(context, 2);
				CompletableFuture<QuotaLease> waiting = waitForAdmission(context);
				context.getBean(QuotaThresholdMonitor.class).check();

				assertThat(backgroundRejection(context)).isEqualTo(RejectionReason.SHED);
				waiting.cancel(false);
			});
	}

	@Test
	void mitigationCanBeSwitchedOff() {
		this.runner
			.withPropertyValues("llm.quota.alerts.mitigation=false", "llm.quota.pressure.max-queue-drain=0s",
					"llm.quota.models.gpt-4o.requests-per-minute=2")
			.run((context) -> {
				useUpTo(context, 2);
				CompletableFuture<QuotaLease> waiting = waitForAdmission(context);
				context.getBean(QuotaThresholdMonitor.class).check();

				assertThat(context.getBean(QuotaThresholdMonitor.class).getLastCheck("gpt-4o").status())
					.isEqualTo(QuotaStatus.CRITICAL);
				// Still refused, the pool being full, but not shed.
				assertThat(backgroundRejection(context)).isEqualTo(RejectionReason.DEADLINE);
				waiting.cancel(false);
			});
	}

	@Test
	void monitorNeedsNeitherActuatorNorMicrometer() {
		this.runner
			.withClassLoader(new FilteredClassLoader("org.springframework.data.redis",
					"org.springframework.boot.actuate", "io.micrometer.core"))
			.run((context) -> assertThat(context).hasSingleBean(QuotaThresholdMonitor.class));
	}

	@Test
	void userBeansWin() {
		this.runner.withUserConfiguration(UserBeans.class).run((context) -> {
			assertThat(context.getBean(QuotaThresholds.class)).isSameAs(context.getBean(UserBeans.class).thresholds);
			assertThat(context.getBean(QuotaThresholdMonitor.class)).isSameAs(context.getBean(UserBeans.class).monitor);
		});
	}

	@Test
	void backsOffWhenLlmQuotaIsSwitchedOff() {
		this.runner.withPropertyValues("llm.quota.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(QuotaThresholdMonitor.class)
				.doesNotHaveBean(QuotaThresholds.class));
	}

	@Test
	void criticalThresholdNotAboveWarnStopsStartupNamingTheProperty() {
		assertStartupFails("llm.quota.alerts.critical-threshold=0.8", "llm.quota.alerts.critical-threshold",
				"must be above llm.quota.alerts.warn-threshold (0.8)");
	}

	@Test
	void criticalThresholdAboveTwoStopsStartupNamingTheProperty() {
		assertStartupFails("llm.quota.alerts.critical-threshold=2.5", "llm.quota.alerts.critical-threshold",
				"at most 2.0");
	}

	@Test
	void nonPositiveWarnThresholdStopsStartupNamingTheProperty() {
		assertStartupFails("llm.quota.alerts.warn-threshold=0", "llm.quota.alerts.warn-threshold", "must be positive");
	}

	@Test
	void hysteresisAsLargeAsTheWarnThresholdStopsStartupNamingTheProperty() {
		assertStartupFails("llm.quota.alerts.hysteresis=0.8", "llm.quota.alerts.hysteresis", "[0, ");
	}

	@Test
	void zeroCheckIntervalStopsStartupNamingTheProperty() {
		assertStartupFails("llm.quota.alerts.check-interval=0s", "llm.quota.alerts.check-interval", "must be positive");
	}

	private void assertStartupFails(String property, String named, String reason) {
		this.runner.withPropertyValues(property)
			.run((context) -> StartupFailures.assertFailedOn(context, named, reason));
	}

	private static void useUpTo(AssertableApplicationContext context, int requests) {
		QuotaEngine engine = context.getBean(QuotaEngine.class);
		for (int i = 0; i < requests; i++) {
			engine.acquire(QuotaRequest.builder("gpt-4o").priority(Priority.CRITICAL).maxWait(Duration.ZERO).build());
		}
	}

	private static CompletableFuture<QuotaLease> waitForAdmission(AssertableApplicationContext context) {
		CompletableFuture<QuotaLease> future = context.getBean(QuotaEngine.class)
			.acquireAsync(
					QuotaRequest.builder("gpt-4o").priority(Priority.CRITICAL).maxWait(Duration.ofMinutes(1)).build());
		assertThat(future).as("waits").isNotDone();
		return future;
	}

	private static RejectionReason backgroundRejection(AssertableApplicationContext context) {
		QuotaEngine engine = context.getBean(QuotaEngine.class);
		return catchThrowableOfType(
				() -> engine.acquire(
						QuotaRequest.builder("gpt-4o").priority(Priority.BACKGROUND).maxWait(Duration.ZERO).build()),
				QuotaRejectedException.class)
			.getReason();
	}

	@Configuration(proxyBeanMethods = false)
	static class EventRecorder {

		final List<LlmQuotaThresholdEvent> events = new ArrayList<>();

		@EventListener
		void on(LlmQuotaThresholdEvent event) {
			this.events.add(event);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserBeans {

		final QuotaThresholds thresholds = new QuotaThresholds(0.5, 0.6, 0.01);

		final QuotaThresholdMonitor monitor = mock(QuotaThresholdMonitor.class);

		@Bean
		QuotaThresholds userThresholds() {
			return this.thresholds;
		}

		@Bean
		QuotaThresholdMonitor userMonitor() {
			return this.monitor;
		}

	}

}
