package io.github.llmquota.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.Provider;
import io.github.llmquota.core.ProviderFeedback;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.local.InMemoryQuotaStore;
import io.github.llmquota.provider.ProviderFeedbackParser;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * What the engine reports to its listeners, which metrics and logs are built on: every
 * admission and rejection with its reason, and every lease's end with what the provider's
 * answer meant for the shared state.
 */
class QuotaEngineListenerTests {

	private final List<String> events = new CopyOnWriteArrayList<>();

	private DefaultQuotaEngine engine;

	@AfterEach
	void close() {
		if (this.engine != null) {
			this.engine.close();
		}
	}

	@Test
	void admissionIsReportedWithTheModelAndAShortWait() {
		engine(TestSettings.pool("admitted").limit(Dimension.REQUESTS_PER_MINUTE, 100), new Recorder(this.events));

		this.engine.acquire(request(Priority.NORMAL)).release(CallOutcome.NOT_SENT);

		assertThat(this.events).first().isEqualTo("admitted model");
		assertThat(this.events).contains("waited less than a minute");
	}

	@Test
	void everyRejectionIsReportedWithItsReason() {
		engine(TestSettings.pool("rejected").limit(Dimension.INPUT_TOKENS_PER_MINUTE, 100).maxConcurrency(1),
				new Recorder(this.events));
		QuotaLease only = this.engine.acquire(request(Priority.NORMAL));

		rejected(QuotaRequest.builder("model").inputTokens(101).build());
		rejected(request(Priority.NORMAL));
		this.engine.shedLowestClass("rejected", true);
		rejected(request(Priority.BACKGROUND));
		CompletableFuture<QuotaLease> abandoned = this.engine
			.acquireAsync(QuotaRequest.builder("model").maxWait(Duration.ofMinutes(1)).build());
		abandoned.cancel(false);
		only.release(CallOutcome.NOT_SENT);

		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(this.events).containsSubsequence("rejected CANNOT_FIT", "rejected DEADLINE",
					"rejected SHED", "rejected CANCELLED"));
	}

	@Test
	void endOfEachLeaseIsReportedWithWhatTheProvidersAnswerMeant() {
		engine(TestSettings.pool("ended").limit(Dimension.REQUESTS_PER_MINUTE, 100), new Recorder(this.events));

		// All admitted first: an overload cools the model down for the calls after it.
		List<QuotaLease> leases = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			leases.add(this.engine.acquire(request(Priority.NORMAL)));
		}

		leases.get(0).settle(TokenUsage.of(3, 4), answer(200));
		leases.get(1).settle(TokenUsage.of(3, 4), answer(429));
		leases.get(2).release(CallOutcome.FAILED, answer(500));
		leases.get(3).release(CallOutcome.FAILED, answer(529));
		leases.get(4).release(CallOutcome.FAILED, answer(200));

		assertThat(this.events).filteredOn((event) -> event.startsWith("ended"))
			.containsExactly("ended model 3/4 SUCCESS", "ended model 3/4 RATE_LIMITED", "ended model - OVERLOADED",
					"ended model - OVERLOADED", "ended model - NONE");
	}

	@Test
	void failingListenerNeitherFailsTheCallerNorSilencesTheNextListener() {
		QuotaEngineListener failing = new QuotaEngineListener() {

			@Override
			public void admitted(ModelSpec model, QuotaRequest request, Duration waited) {
				throw new IllegalStateException("listener bug");
			}

		};
		engine(TestSettings.pool("failing").limit(Dimension.REQUESTS_PER_MINUTE, 100), failing,
				new Recorder(this.events));

		QuotaLease lease = this.engine.acquire(request(Priority.NORMAL));

		assertThat(lease.isEnded()).isFalse();
		assertThat(this.events).contains("admitted model");
		lease.release(CallOutcome.NOT_SENT);
	}

	private void rejected(QuotaRequest request) {
		assertThatExceptionOfType(QuotaRejectedException.class).isThrownBy(() -> this.engine.acquire(request));
	}

	private void engine(TestSettings settings, QuotaEngineListener... listeners) {
		QuotaSettings built = settings.build();
		this.engine = new DefaultQuotaEngine(built, new InMemoryQuotaStore(built), List.of(listeners));
	}

	private static QuotaRequest request(String priority) {
		return QuotaRequest.builder("model").priority(priority).inputTokens(1).maxWait(Duration.ZERO).build();
	}

	private static ProviderFeedback answer(int status) {
		return new ProviderFeedbackParser().parse("pool", Provider.ANTHROPIC, status, Map.of(), null, Instant.now());
	}

	private static final class Recorder implements QuotaEngineListener {

		private final List<String> events;

		Recorder(List<String> events) {
			this.events = events;
		}

		@Override
		public void admitted(ModelSpec model, QuotaRequest request, Duration waited) {
			this.events.add("admitted " + model.name());
			if (!waited.isNegative() && waited.compareTo(Duration.ofMinutes(1)) < 0) {
				this.events.add("waited less than a minute");
			}
		}

		@Override
		public void rejected(ModelSpec model, QuotaRequest request, RejectionReason reason, Duration waited) {
			this.events.add("rejected " + reason);
		}

		@Override
		public void ended(ModelSpec model, QuotaRequest request, TokenUsage usage, PoolFeedback.Kind feedback) {
			String used = (usage != null) ? usage.inputTokens() + "/" + usage.outputTokens() : "-";
			this.events.add("ended " + model.name() + " " + used + " " + feedback);
		}

	}

}
