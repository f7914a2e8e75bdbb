package io.github.llmquota.actuate.metrics;

import java.time.Duration;
import java.util.Locale;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.engine.Admission;
import io.github.llmquota.engine.ModelSpec;
import io.github.llmquota.engine.PoolFeedback;
import io.github.llmquota.engine.QuotaEngineListener;
import io.github.llmquota.engine.QuotaSettings;

/**
 * Records this JVM's quota decisions and call outcomes as Micrometer meters: the acquire
 * wait, rejections by reason, provider 429s and overloads, and estimated against actual
 * input tokens. See {@link LlmQuotaMetricNames} for names and tags. Tags come only from
 * configuration and enums; the request's user is never read.
 */
public class LlmQuotaMetricsListener implements QuotaEngineListener {

	private final QuotaSettings settings;

	private final Meter.MeterProvider<Timer> acquireWait;

	private final Meter.MeterProvider<Counter> rejections;

	private final Meter.MeterProvider<Counter> shadowDecisions;

	private final Meter.MeterProvider<Timer> shadowWait;

	private final Meter.MeterProvider<Counter> rateLimited;

	private final Meter.MeterProvider<Counter> overloaded;

	private final Meter.MeterProvider<Counter> tokensEstimated;

	private final Meter.MeterProvider<Counter> tokensActual;

	/**
	 * Create a listener that registers its meters in a registry as they are first needed.
	 * @param registry the registry
	 * @param settings the settings, to name the priority class of requests that name none
	 */
	public LlmQuotaMetricsListener(MeterRegistry registry, QuotaSettings settings) {
		this.settings = settings;
		this.acquireWait = Timer.builder(LlmQuotaMetricNames.ACQUIRE_WAIT)
			.description("Time a request waited for a quota decision")
			.withRegistry(registry);
		this.rejections = Counter.builder(LlmQuotaMetricNames.REJECTIONS)
			.description("Requests not admitted by the quota engine")
			.withRegistry(registry);
		this.shadowDecisions = Counter.builder(LlmQuotaMetricNames.SHADOW_DECISIONS)
			.description("Requests admitted in shadow mode, by what enforcement would have done")
			.withRegistry(registry);
		this.shadowWait = Timer.builder(LlmQuotaMetricNames.SHADOW_WAIT)
			.description("How long requests admitted in shadow mode would have waited")
			.withRegistry(registry);
		this.rateLimited = Counter.builder(LlmQuotaMetricNames.PROVIDER_RATE_LIMITED)
			.description("Calls the provider answered with a rate-limit error")
			.withRegistry(registry);
		this.overloaded = Counter.builder(LlmQuotaMetricNames.PROVIDER_OVERLOADED)
			.description("Calls the provider answered as overloaded or failing")
			.withRegistry(registry);
		this.tokensEstimated = Counter.builder(LlmQuotaMetricNames.TOKENS_ESTIMATED)
			.description("Input tokens estimated for calls that reported their usage")
			.baseUnit("tokens")
			.withRegistry(registry);
		this.tokensActual = Counter.builder(LlmQuotaMetricNames.TOKENS_ACTUAL)
			.description("Input tokens the provider reported for the same calls")
			.baseUnit("tokens")
			.withRegistry(registry);
	}

	@Override
	public void admitted(ModelSpec model, QuotaRequest request, Duration waited) {
		this.acquireWait
			.withTags(LlmQuotaMetricNames.TAG_POOL, model.pool().name(), LlmQuotaMetricNames.TAG_PRIORITY,
					priority(request), LlmQuotaMetricNames.TAG_OUTCOME, LlmQuotaMetricNames.OUTCOME_ADMITTED)
			.record(waited);
	}

	@Override
	public void rejected(ModelSpec model, QuotaRequest request, RejectionReason reason, Duration waited) {
		String priority = priority(request);
		this.acquireWait
			.withTags(LlmQuotaMetricNames.TAG_POOL, model.pool().name(), LlmQuotaMetricNames.TAG_PRIORITY, priority,
					LlmQuotaMetricNames.TAG_OUTCOME, LlmQuotaMetricNames.OUTCOME_REJECTED)
			.record(waited);
		this.rejections
			.withTags(LlmQuotaMetricNames.TAG_POOL, model.pool().name(), LlmQuotaMetricNames.TAG_MODEL, model.name(),
					LlmQuotaMetricNames.TAG_PRIORITY, priority, LlmQuotaMetricNames.TAG_REASON,
					reason.name().toLowerCase(Locale.ROOT))
			.increment();
	}

	@Override
	public void shadowed(ModelSpec model, QuotaRequest request, Admission.Shadow decision) {
		String pool = model.pool().name();
		String priority = priority(request);
		String outcome = switch (decision.status()) {
			case GRANTED -> LlmQuotaMetricNames.OUTCOME_ADMITTED;
			case WAITING -> LlmQuotaMetricNames.OUTCOME_WAITED;
			case REJECTED -> LlmQuotaMetricNames.OUTCOME_REJECTED;
		};
		this.shadowDecisions
			.withTags(LlmQuotaMetricNames.TAG_POOL, pool, LlmQuotaMetricNames.TAG_PRIORITY, priority,
					LlmQuotaMetricNames.TAG_OUTCOME, outcome, LlmQuotaMetricNames.TAG_REASON,
					(decision.reason() != null) ? decision.reason().name().toLowerCase(Locale.ROOT) : "none")
			.increment();
		if (decision.status() != Admission.Status.GRANTED && decision.waitMillis() >= 0) {
			this.shadowWait.withTags(LlmQuotaMetricNames.TAG_POOL, pool, LlmQuotaMetricNames.TAG_PRIORITY, priority)
				.record(Duration.ofMillis(decision.waitMillis()));
		}
	}

	@Override
	public void ended(ModelSpec model, QuotaRequest request, TokenUsage usage, PoolFeedback.Kind feedback) {
		String pool = model.pool().name();
		if (feedback == PoolFeedback.Kind.RATE_LIMITED || feedback == PoolFeedback.Kind.SCOPE_RATE_LIMITED) {
			this.rateLimited.withTags(LlmQuotaMetricNames.TAG_POOL, pool, LlmQuotaMetricNames.TAG_MODEL, model.name())
				.increment();
		}
		else if (feedback == PoolFeedback.Kind.OVERLOADED) {
			this.overloaded.withTags(LlmQuotaMetricNames.TAG_POOL, pool, LlmQuotaMetricNames.TAG_MODEL, model.name())
				.increment();
		}
		if (usage != null) {
			// Both sides count only calls that reported usage, so their ratio is the
			// estimate's error.
			this.tokensEstimated
				.withTags(LlmQuotaMetricNames.TAG_POOL, pool, LlmQuotaMetricNames.TAG_MODEL, model.name())
				.increment(request.inputTokens());
			this.tokensActual.withTags(LlmQuotaMetricNames.TAG_POOL, pool, LlmQuotaMetricNames.TAG_MODEL, model.name())
				.increment(usage.totalInputTokens());
		}
	}

	private String priority(QuotaRequest request) {
		try {
			return this.settings.priorityClass(request.priority()).name();
		}
		catch (IllegalArgumentException ex) {
			// Never a caller's free text as a tag value: that would make the tag
			// unbounded.
			return "unknown";
		}
	}

}
