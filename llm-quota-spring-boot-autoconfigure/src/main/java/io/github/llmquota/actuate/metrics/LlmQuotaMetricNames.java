package io.github.llmquota.actuate.metrics;

/**
 * Names of the meters llm-quota publishes, and of their tags. Tags only ever carry
 * bounded values (pool, model, dimension, priority, outcome, reason): never a user or
 * request id.
 */
public final class LlmQuotaMetricNames {

	/**
	 * Counter of governed calls that completed without a usage report and so settled at
	 * what they reserved, tagged by {@code model}. A steady rate means a return type that
	 * needs a {@link io.github.llmquota.usage.UsageExtractor} or a {@code usage}
	 * expression.
	 */
	public static final String USAGE_MISSING = "llm.quota.usage.missing";

	/**
	 * Counter of calls a fallback chain admitted on another model than the one they asked
	 * for, tagged by {@code chain}, {@code from} (the asked-for model) and {@code to}
	 * (the model that took the call).
	 */
	public static final String FALLBACKS = "llm.quota.fallbacks";

	/**
	 * Gauge: units the fleet consumed in the trailing minute, as a share of the
	 * provider's per-minute limit (1.0 = the whole limit). Tags: pool, dimension.
	 */
	public static final String UTILISATION = "llm.quota.utilisation";

	/**
	 * Gauge: units a request could take now, the bucket's effective capacity less its
	 * level (for concurrency, free slots). Tags: pool, dimension.
	 */
	public static final String AVAILABLE = "llm.quota.available";

	/**
	 * Gauge: a scope's bucket level as a share of the bucket (1.0 = the next request of
	 * any of its pools waits); for concurrency, calls in flight over the limit. Tags:
	 * scope, dimension.
	 */
	public static final String SCOPE_UTILISATION = "llm.quota.scope.utilisation";

	/**
	 * Gauge: units a request could take now in a scope, its bucket's capacity less its
	 * level (for concurrency, free slots). Tags: scope, dimension.
	 */
	public static final String SCOPE_AVAILABLE = "llm.quota.scope.available";

	/**
	 * Gauge: requests waiting across the fleet. Tags: pool, priority.
	 */
	public static final String QUEUE_DEPTH = "llm.quota.queue.depth";

	/**
	 * Gauge: calls in flight across the fleet. Tags: pool.
	 */
	public static final String IN_FLIGHT = "llm.quota.in.flight";

	/**
	 * Gauge: output tokens the streams in flight produced so far, across the fleet, as
	 * their last charge reported it. Tags: pool.
	 */
	public static final String STREAM_OUTPUT = "llm.quota.stream.output";

	/**
	 * Gauge: the adaptive multiplier provider 429s cut, in (0, 1]. Tags: pool.
	 */
	public static final String MULTIPLIER = "llm.quota.multiplier";

	/**
	 * Timer: how long this JVM's requests waited for a decision. Tags: pool, priority,
	 * outcome.
	 */
	public static final String ACQUIRE_WAIT = "llm.quota.acquire.wait";

	/**
	 * Counter: requests admitted in shadow mode, by what enforcement would have done.
	 * Tags: pool, priority, outcome ({@code admitted}, {@code waited}, {@code rejected}),
	 * reason (the rejection reason, or {@code none}).
	 */
	public static final String SHADOW_DECISIONS = "llm.quota.shadow.decisions";

	/**
	 * Timer: how long requests admitted in shadow mode would have waited, where known.
	 * Tags: pool, priority.
	 */
	public static final String SHADOW_WAIT = "llm.quota.shadow.wait";

	/**
	 * Counter: requests not admitted. Tags: pool, model, priority, reason.
	 */
	public static final String REJECTIONS = "llm.quota.rejections";

	/**
	 * Counter: calls the provider answered with a rate-limit error (429). Tags: pool,
	 * model.
	 */
	public static final String PROVIDER_RATE_LIMITED = "llm.quota.provider.rate.limited";

	/**
	 * Counter: calls the provider answered as overloaded or failing (529, 5xx). Tags:
	 * pool, model.
	 */
	public static final String PROVIDER_OVERLOADED = "llm.quota.provider.overloaded";

	/**
	 * Counter: input tokens estimated for calls that later reported their usage. Compare
	 * with {@link #TOKENS_ACTUAL} to see how far estimates are off. Tags: pool, model.
	 */
	public static final String TOKENS_ESTIMATED = "llm.quota.tokens.estimated";

	/**
	 * Counter: input tokens the provider reported for the same calls as
	 * {@link #TOKENS_ESTIMATED}, cached or not. Tags: pool, model.
	 */
	public static final String TOKENS_ACTUAL = "llm.quota.tokens.actual";

	/**
	 * Distribution summary, named by the OpenTelemetry GenAI semantic conventions: tokens
	 * per settled call. Tags: {@value #GEN_AI_TOKEN_TYPE},
	 * {@value #GEN_AI_REQUEST_MODEL}, {@value #GEN_AI_SYSTEM}.
	 */
	public static final String GEN_AI_CLIENT_TOKEN_USAGE = "gen_ai.client.token.usage";

	/** Tag: the pool name. */
	public static final String TAG_POOL = "pool";

	/**
	 * Tag naming a scope (organisation, project, workspace): configuration, so bounded.
	 */
	public static final String TAG_SCOPE = "scope";

	/** Tag: the model name, as configured. */
	public static final String TAG_MODEL = "model";

	/** Tag: the dimension, such as {@code requests-per-minute} or {@code concurrency}. */
	public static final String TAG_DIMENSION = "dimension";

	/** Tag: the priority class name. */
	public static final String TAG_PRIORITY = "priority";

	/** Tag: {@value #OUTCOME_ADMITTED} or {@value #OUTCOME_REJECTED}. */
	public static final String TAG_OUTCOME = "outcome";

	/** Tag: the rejection reason, such as {@code queue_full} or {@code deadline}. */
	public static final String TAG_REASON = "reason";

	/** Tag: the model a fallback chain moved away from. */
	public static final String TAG_FROM = "from";

	/** Tag: the model a fallback chain moved to. */
	public static final String TAG_TO = "to";

	/** Outcome of an admitted request. */
	public static final String OUTCOME_ADMITTED = "admitted";

	/**
	 * Outcome of a request that shadow mode admitted where enforcement would have queued
	 * it.
	 */
	public static final String OUTCOME_WAITED = "waited";

	/** Outcome of a request that was not admitted. */
	public static final String OUTCOME_REJECTED = "rejected";

	/** GenAI tag: {@code input} or {@code output}. */
	public static final String GEN_AI_TOKEN_TYPE = "gen_ai.token.type";

	/** GenAI tag: the model name, as configured. */
	public static final String GEN_AI_REQUEST_MODEL = "gen_ai.request.model";

	/**
	 * GenAI tag: the provider, as the GenAI conventions name it ({@code anthropic}, ...).
	 */
	public static final String GEN_AI_SYSTEM = "gen_ai.system";

	/**
	 * Gauge: 1 while Redis cannot be reached and the fail mode decides, tagged by
	 * {@code fail.mode}.
	 */
	public static final String DEGRADED = "llm.quota.degraded";

	/** Counter: requests admitted without any limit while Redis could not be reached. */
	public static final String UNLIMITED_ADMISSIONS = "llm.quota.unlimited.admissions";

	/** Tag: the fail mode ({@code local}, {@code open} or {@code closed}). */
	public static final String TAG_FAIL_MODE = "fail.mode";

	/** Tag: the fallback chain. */
	public static final String TAG_CHAIN = "chain";

	/** Calls this instance deferred to a provider's batch API (function counter). */
	public static final String BATCH_DEFERRED = "llm.quota.batch.deferred";

	/** Batches in flight per pool, fleet-wide (gauge). */
	public static final String BATCH_IN_FLIGHT = "llm.quota.batch.in.flight";

	/**
	 * Input tokens of a pool's calls in the provider's batch processing queue, fleet-wide
	 * (gauge): what OpenAI's enqueued-token limit bounds.
	 */
	public static final String BATCH_QUEUED_TOKENS = "llm.quota.batch.queued.tokens";

	/**
	 * The most input tokens of a pool's calls in the provider's batch processing queue,
	 * {@code llm.quota.batch.max-queued-tokens} (gauge, only when it is set).
	 */
	public static final String BATCH_QUEUED_TOKENS_LIMIT = "llm.quota.batch.queued.tokens.limit";

	/**
	 * Money the batch discount saved on the batches this instance completed, at the
	 * configured prices (function counter).
	 */
	public static final String BATCH_SAVED = "llm.quota.batch.saved";

	/**
	 * Gauge: a cost budget's spend in its current window, in the price currency, tagged
	 * by {@code budget}.
	 */
	public static final String BUDGET_SPEND = "llm.quota.budget.spend";

	/**
	 * Gauge: the worst cases reserved in a cost budget's window for calls not settled
	 * yet, in the price currency.
	 */
	public static final String BUDGET_RESERVED = "llm.quota.budget.reserved";

	/** Gauge: a cost budget's amount per window, in the price currency. */
	public static final String BUDGET_LIMIT = "llm.quota.budget.limit";

	/** Tag: the cost budget's name (never a user or tenant id). */
	public static final String TAG_BUDGET = "budget";

	private LlmQuotaMetricNames() {
	}

}
