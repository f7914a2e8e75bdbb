package io.github.llmquota.batch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.function.Function;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.llmquota.schedule.PeriodicLifecycle;
import io.github.llmquota.core.PoolPressure;
import io.github.llmquota.core.Provider;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaSettings;

import org.springframework.lang.Nullable;

/**
 * Sends deferrable calls to the provider's batch API instead of letting them wait while
 * their pool is under pressure ({@link PoolPressure}, with
 * {@link BatchSettings#maxQueueDrain()} as the bound): half price, limits of their own,
 * results within 24 hours.
 * <p>
 * One valve serves every provider it has a {@link BatchProvider} for: the calls of a pool
 * go to the batch API of the pool's own provider ({@link BatchProvider#provider()}), so
 * that an application with both Anthropic and OpenAI models batches each to its own API.
 * A deferrable call whose provider has no batch API here is made directly.
 * <p>
 * A call goes to the batch API only when its {@link QuotaRequest#deferrable()} flag is
 * set and its pool is under pressure at the time of the call, or when pressure arose
 * while it waited (the direct call was shed, or its wait budget ran out, or its class
 * queue was full); otherwise it is made directly, governed as usual. Deferred calls are
 * recorded in Redis ({@link BatchLedger}) and grouped into one batch per pool, up to
 * {@link BatchSettings#maxBatchSize()} calls or {@link BatchSettings#maxBatchAge()},
 * within the provider's processing queue limit ({@link BatchSettings#maxQueued()}, a
 * dimension of its own, counted fleet-wide). Any instance submits, polls (backing off
 * from {@link BatchSettings#firstPoll()} to {@link BatchSettings#maxPoll()}) and
 * completes a batch; each result is then claimed atomically by the instance whose caller
 * waits, which completes the caller's future, or, once that instance has been silent for
 * ten intervals (it stopped or restarted), by another instance, which hands it to the
 * {@link BatchResultListener}. A result is never delivered twice, and one whose batch is
 * pending when an instance stops is delivered by another.
 * <p>
 * Each instance runs one daemon thread that works every {@link BatchSettings#interval()};
 * {@link #work()} runs the same step on demand. Thread-safe.
 */
public class BatchValve extends PeriodicLifecycle {

	/** The lifecycle phase: after the engine and the threshold monitor. */
	public static final int PHASE = 1026;

	private static final Log logger = LogFactory.getLog(BatchValve.class);

	private static final ObjectMapper JSON = new ObjectMapper();

	private static final Set<RejectionReason> DEFERRED_ON = EnumSet.of(RejectionReason.SHED, RejectionReason.DEADLINE,
			RejectionReason.QUEUE_FULL);

	private final QuotaEngine engine;

	private final QuotaSettings quotaSettings;

	private final BatchSettings settings;

	private final BatchLedger ledger;

	private final Map<Provider, BatchProvider> providers;

	private final BatchResultListener listener;

	private final String owner = UUID.randomUUID().toString();

	private final Map<String, CompletableFuture<BatchItemResult>> waiting = new ConcurrentHashMap<>();

	private final Set<String> pools = ConcurrentHashMap.newKeySet();

	private final AtomicLong deferred = new AtomicLong();

	private final DoubleAdder saved = new DoubleAdder();

	private final Map<String, BatchLedger.InFlight> inFlight = new ConcurrentHashMap<>();

	private final BatchPrices prices;

	/**
	 * Create a valve.
	 * @param engine the engine whose pools' pressure decides
	 * @param quotaSettings the models and their pools
	 * @param settings how to route, group and poll
	 * @param ledger the fleet-wide record
	 * @param provider the provider's batch API
	 * @param listener where results go whose caller is gone, or {@code null} to log and
	 * drop them
	 */
	public BatchValve(QuotaEngine engine, QuotaSettings quotaSettings, BatchSettings settings, BatchLedger ledger,
			BatchProvider provider, @Nullable BatchResultListener listener) {
		this(engine, quotaSettings, settings, ledger, provider, listener, BatchPrices.NONE);
	}

	/**
	 * Create a valve for one provider's batch API that reports the money the batch
	 * discount saved.
	 * @param engine the engine whose pools' pressure decides
	 * @param quotaSettings the models and their pools
	 * @param settings how to route, group and poll
	 * @param ledger the fleet-wide record
	 * @param provider the provider's batch API
	 * @param listener where results go whose caller is gone, or {@code null} to log and
	 * drop them
	 * @param prices the models' list prices
	 */
	public BatchValve(QuotaEngine engine, QuotaSettings quotaSettings, BatchSettings settings, BatchLedger ledger,
			BatchProvider provider, @Nullable BatchResultListener listener, BatchPrices prices) {
		this(engine, quotaSettings, settings, ledger, List.of(provider), listener, prices);
	}

	/**
	 * Create a valve for the batch APIs of several providers that reports the money the
	 * batch discount saved.
	 * @param engine the engine whose pools' pressure decides
	 * @param quotaSettings the models and their pools
	 * @param settings how to route, group and poll
	 * @param ledger the fleet-wide record
	 * @param providers the providers' batch APIs, at most one per
	 * {@link BatchProvider#provider()}
	 * @param listener where results go whose caller is gone, or {@code null} to log and
	 * drop them
	 * @param prices the models' list prices
	 * @throws IllegalArgumentException if {@code providers} is empty or has two batch
	 * APIs for one provider
	 */
	public BatchValve(QuotaEngine engine, QuotaSettings quotaSettings, BatchSettings settings, BatchLedger ledger,
			Collection<? extends BatchProvider> providers, @Nullable BatchResultListener listener, BatchPrices prices) {
		super("llm-quota-batch", settings.interval(), settings.interval(), logger, "llm-quota batch valve step failed",
				PHASE);
		this.providers = byProvider(providers);
		this.prices = prices;
		this.engine = engine;
		this.quotaSettings = quotaSettings;
		this.settings = settings;
		this.ledger = ledger;
		this.listener = listener;
		this.pools.addAll(engine.pools());
	}

	private static Map<Provider, BatchProvider> byProvider(Collection<? extends BatchProvider> providers) {
		if (providers.isEmpty()) {
			throw new IllegalArgumentException("'providers' must name at least one batch API");
		}
		Map<Provider, BatchProvider> byProvider = new EnumMap<>(Provider.class);
		for (BatchProvider provider : providers) {
			BatchProvider other = byProvider.putIfAbsent(provider.provider(), provider);
			if (other != null) {
				throw new IllegalArgumentException("Two batch APIs for provider " + provider.provider() + ": "
						+ other.getClass().getName() + " and " + provider.getClass().getName());
			}
		}
		return Map.copyOf(byProvider);
	}

	/**
	 * Make a call directly, or, when it is deferrable and its pool is under pressure,
	 * defer it to the provider's batch API.
	 * @param <T> the call's result
	 * @param request the call's quota request; only its model and
	 * {@link QuotaRequest#deferrable()} flag are read here
	 * @param body the request body the batch API takes, in the provider's JSON (see
	 * {@link AnthropicBatchProvider#body})
	 * @param decode turns a successful batch result's body into the call's result
	 * @param direct makes the call directly, governed as usual; run on the calling thread
	 * @return the result: completed at once for a direct call (exceptionally when it
	 * threw; a call whose deferral Redis could not record is made directly), when the
	 * batch answers for a deferred one, and exceptionally with a
	 * {@link DeferredCallException} when the batch errored, expired or was cancelled
	 */
	public <T> CompletableFuture<T> call(QuotaRequest request, String body, Function<String, T> decode,
			Supplier<T> direct) {
		boolean deferrable = request.deferrable() && batches(request.model());
		if (deferrable && underPressure(request.model())) {
			CompletableFuture<BatchItemResult> deferred = defer(request.model(), body, request.inputTokens());
			// A call the ledger could not record is made directly: waiting beats failing.
			if (!deferred.isCompletedExceptionally()) {
				return deferred.thenApply((result) -> decode.apply(result.body()));
			}
		}
		try {
			return CompletableFuture.completedFuture(direct.get());
		}
		catch (QuotaRejectedException ex) {
			// Pressure that arose while the call waited: it was shed or ran out of its
			// wait budget, never sent, and goes to the batch API instead.
			if (deferrable && defersOn(ex)) {
				CompletableFuture<BatchItemResult> deferred = defer(request.model(), body, request.inputTokens());
				if (!deferred.isCompletedExceptionally()) {
					return deferred.thenApply((result) -> decode.apply(result.body()));
				}
			}
			return CompletableFuture.failedFuture(ex);
		}
		catch (RuntimeException ex) {
			return CompletableFuture.failedFuture(ex);
		}
	}

	/**
	 * Make a call directly, or defer it, as {@link #call} does, for a direct call that is
	 * itself asynchronous: no thread waits for its admission or its result.
	 * @param <T> the call's result
	 * @param request the call's quota request; only its model, input tokens and
	 * {@link QuotaRequest#deferrable()} flag are read here
	 * @param body the request body the batch API takes
	 * @param decode turns a successful batch result's body into the call's result
	 * @param direct starts the call directly, governed as usual
	 * @return the result, as for {@link #call}; cancelling it cancels the direct call
	 */
	public <T> CompletableFuture<T> callAsync(QuotaRequest request, String body, Function<String, T> decode,
			Supplier<? extends CompletionStage<T>> direct) {
		boolean deferrable = request.deferrable() && batches(request.model());
		if (deferrable && underPressure(request.model())) {
			CompletableFuture<BatchItemResult> deferred = defer(request.model(), body, request.inputTokens());
			if (!deferred.isCompletedExceptionally()) {
				return deferred.thenApply((result) -> decode.apply(result.body()));
			}
		}
		CompletableFuture<T> started;
		try {
			started = direct.get().toCompletableFuture();
		}
		catch (RuntimeException ex) {
			return CompletableFuture.failedFuture(ex);
		}
		CompletableFuture<T> result = new CompletableFuture<>();
		started.whenComplete((value, failure) -> {
			if (failure == null) {
				result.complete(value);
				return;
			}
			Throwable cause = (failure instanceof CompletionException && failure.getCause() != null)
					? failure.getCause() : failure;
			// Pressure that arose while the call waited, as in call().
			CompletableFuture<BatchItemResult> deferred = (deferrable && defersOn(cause))
					? defer(request.model(), body, request.inputTokens()) : null;
			if (deferred == null || deferred.isCompletedExceptionally()) {
				result.completeExceptionally(cause);
				return;
			}
			deferred.whenComplete((answer, batchFailure) -> {
				if (batchFailure != null) {
					result.completeExceptionally(batchFailure);
				}
				else {
					result.complete(decode.apply(answer.body()));
				}
			});
		});
		result.whenComplete((value, failure) -> {
			if (result.isCancelled()) {
				started.cancel(false);
			}
		});
		return result;
	}

	/**
	 * Whether a direct call's failure sends a deferrable call to the batch API: a
	 * rejection of a call the provider never saw, for want of quota now (shed, out of its
	 * wait budget, a full class queue). Per-user limits, exhausted quotas and requests
	 * too large are left as they are.
	 */
	static boolean defersOn(Throwable failure) {
		return failure instanceof QuotaRejectedException rejection && DEFERRED_ON.contains(rejection.getReason());
	}

	/**
	 * Defer a call to the provider's batch API, whatever the pressure, without counting
	 * input tokens against {@link BatchSettings#maxQueuedTokens()} (see
	 * {@link #defer(String, String, long)}).
	 * @param model the configured model
	 * @param body the request body the batch API takes
	 * @return the result, completed when the batch answers; exceptionally with a
	 * {@link DeferredCallException} when it errored, expired or was cancelled
	 * @throws IllegalArgumentException for an unknown model, or one whose provider has no
	 * batch API in this valve
	 */
	public CompletableFuture<BatchItemResult> defer(String model, String body) {
		return defer(model, body, 0);
	}

	/**
	 * Defer a call to the provider's batch API, whatever the pressure, counting its input
	 * tokens against {@link BatchSettings#maxQueuedTokens()}.
	 * @param model the configured model
	 * @param body the request body the batch API takes
	 * @param inputTokens the call's input tokens (its quota request's)
	 * @return the result, completed when the batch answers; exceptionally with a
	 * {@link DeferredCallException} when it errored, expired or was cancelled
	 * @throws IllegalArgumentException for an unknown model, or one whose provider has no
	 * batch API in this valve
	 */
	public CompletableFuture<BatchItemResult> defer(String model, String body, long inputTokens) {
		PoolSpec spec = this.quotaSettings.model(model).pool();
		if (!this.providers.containsKey(spec.provider())) {
			throw new IllegalArgumentException("Model '" + model + "' is served by " + spec.provider()
					+ ", and the valve has no batch API for it (it has " + this.providers.keySet() + ")");
		}
		String pool = spec.name();
		String id = "llmq_" + UUID.randomUUID().toString().replace("-", "");
		CompletableFuture<BatchItemResult> future = new CompletableFuture<>();
		this.waiting.put(id, future);
		this.pools.add(pool);
		try {
			this.ledger.defer(pool, new BatchItem(id, body), this.owner, inputTokens);
		}
		catch (RuntimeException ex) {
			this.waiting.remove(id);
			return CompletableFuture.failedFuture(ex);
		}
		this.deferred.incrementAndGet();
		failAfterResultTimeout(id, future);
		return future;
	}

	/**
	 * Whether this valve has a batch API for a model's provider, so that its deferrable
	 * calls may go to the batch API.
	 * @param model the configured model
	 * @return whether the model's calls can be deferred
	 * @throws IllegalArgumentException for an unknown model
	 */
	public boolean batches(String model) {
		return this.providers.containsKey(this.quotaSettings.model(model).pool().provider());
	}

	/**
	 * Return the providers this valve has a batch API for.
	 * @return the providers
	 */
	public Set<Provider> providers() {
		return this.providers.keySet();
	}

	/**
	 * Whether a model's pool is under pressure now, so that its deferrable calls go to
	 * the batch API. Reads the pool's state once; a state that cannot be read counts as
	 * no pressure (the engine decides the direct call).
	 * @param model the configured model
	 * @return whether its pool is under pressure
	 */
	public boolean underPressure(String model) {
		String pool = this.quotaSettings.model(model).pool().name();
		try {
			return PoolPressure.of(this.engine.state(pool), this.settings.maxQueueDrain()).isUnderPressure();
		}
		catch (RuntimeException ex) {
			return false;
		}
	}

	/**
	 * Return how many calls this instance deferred since it started.
	 * @return the deferred calls
	 */
	public long deferredCount() {
		return this.deferred.get();
	}

	/**
	 * Return the money the batch discount saved on the batches this instance completed
	 * (each batch is completed by exactly one instance, so the fleet's figure is the sum
	 * of its instances'), at the configured {@link BatchPrices}.
	 * @return the money saved since this instance started
	 */
	public double saved() {
		return this.saved.sum();
	}

	/**
	 * Return the batches in flight per pool, fleet-wide, as the last {@link #work()} step
	 * read them.
	 * @return the batches submitted and not yet completed, by pool
	 */
	public Map<String, Long> batchesInFlight() {
		Map<String, Long> batches = new HashMap<>();
		this.inFlight.forEach((pool, inFlight) -> batches.put(pool, inFlight.batches()));
		return Map.copyOf(batches);
	}

	/**
	 * Return the input tokens of each pool's calls in the provider's processing queue,
	 * fleet-wide, as the last {@link #work()} step read them: what
	 * {@link #maxQueuedTokens()} bounds.
	 * @return the queued input tokens, by pool
	 */
	public Map<String, Long> queuedTokens() {
		Map<String, Long> tokens = new HashMap<>();
		this.inFlight.forEach((pool, inFlight) -> tokens.put(pool, inFlight.queuedTokens()));
		return Map.copyOf(tokens);
	}

	/**
	 * Return the most input tokens of one pool's calls in the provider's processing queue
	 * ({@link BatchSettings#maxQueuedTokens()}), if the valve has such a limit.
	 * @return the limit, or empty for none
	 */
	public OptionalLong maxQueuedTokens() {
		long limit = this.settings.maxQueuedTokens();
		return (limit != Long.MAX_VALUE) ? OptionalLong.of(limit) : OptionalLong.empty();
	}

	/**
	 * Return the fleet-wide record this valve works on.
	 * @return the ledger
	 */
	public BatchLedger ledger() {
		return this.ledger;
	}

	/**
	 * Flush the groups that are due, poll the batches that are due and deliver the
	 * results that arrived, for every pool. The valve's own thread calls this every
	 * interval.
	 */
	public synchronized void work() {
		for (String pool : this.pools) {
			// Another instance may have deferred to an API this one lacks: it submits and
			// polls those, and any instance delivers.
			PoolSpec spec = this.quotaSettings.pools().get(pool);
			BatchProvider provider = (spec != null) ? this.providers.get(spec.provider()) : null;
			if (provider != null) {
				flush(pool, provider);
				poll(pool, provider);
			}
			deliver(pool);
			this.inFlight.put(pool, this.ledger.inFlight(pool));
		}
	}

	private void flush(String pool, BatchProvider provider) {
		for (;;) {
			List<BatchItem> items = this.ledger.take(pool, this.settings.maxBatchSize(), this.settings.maxBatchAge(),
					this.settings.maxQueued(), this.settings.maxQueuedTokens(),
					this.settings.interval().multipliedBy(10));
			if (items.isEmpty()) {
				return;
			}
			List<String> ids = items.stream().map(BatchItem::id).toList();
			String batchId;
			try {
				batchId = provider.submit(items);
			}
			catch (RuntimeException ex) {
				logger.warn("llm-quota could not submit a batch of " + items.size() + " deferred calls of pool '" + pool
						+ "'; they are sent again later: " + ex);
				this.ledger.untake(pool, ids);
				return;
			}
			this.ledger.submitted(pool, batchId, this.settings.firstPoll(), ids);
		}
	}

	private void poll(String pool, BatchProvider provider) {
		for (BatchLedger.DueBatch due = this.ledger.due(pool, this.settings.maxPoll()); due != null; due = this.ledger
			.due(pool, this.settings.maxPoll())) {
			Duration next = due.delay().multipliedBy(2);
			if (next.compareTo(this.settings.maxPoll()) > 0) {
				next = this.settings.maxPoll();
			}
			try {
				List<BatchItemResult> results = provider.poll(due.batchId()).orElse(null);
				if (results == null) {
					this.ledger.later(pool, due.batchId(), next);
					continue;
				}
				List<BatchItemResult> all = withMissing(due.ids(), results);
				if (this.ledger.complete(pool, due.batchId(), all, BatchValve::toJson)) {
					all.forEach((result) -> this.saved.add(this.prices.saved(result)));
				}
			}
			catch (BatchRefusedException ex) {
				logger.warn("llm-quota's batch " + due.batchId() + " of pool '" + pool
						+ "' was ended unrun by the provider; its calls are sent again later: " + ex.getMessage());
				this.ledger.requeue(pool, due.batchId());
			}
			catch (RuntimeException ex) {
				logger.warn("llm-quota could not poll batch " + due.batchId() + " of pool '" + pool
						+ "'; polling it again in " + next + ": " + ex);
				this.ledger.later(pool, due.batchId(), next);
			}
		}
	}

	// A call the provider's results leave out must not wait forever.
	private static List<BatchItemResult> withMissing(List<String> ids, List<BatchItemResult> results) {
		Set<String> answered = new HashSet<>();
		results.forEach((result) -> answered.add(result.id()));
		List<BatchItemResult> all = new ArrayList<>(results);
		ids.stream()
			.filter((id) -> !answered.contains(id))
			.forEach((id) -> all.add(BatchItemResult.failed(id, BatchItemResult.Outcome.ERRORED,
					"the batch ended without a result for this call")));
		return all;
	}

	private void deliver(String pool) {
		List<String> mine = this.ledger.claim(pool, this.owner);
		for (int i = 0; i + 1 < mine.size(); i += 2) {
			BatchItemResult result = fromJson(mine.get(i + 1));
			CompletableFuture<BatchItemResult> future = this.waiting.remove(mine.get(i));
			if (future != null) {
				complete(future, result);
			}
			else {
				orphaned(result);
			}
		}
		List<String> orphans = this.ledger.orphans(pool, this.owner, this.settings.interval().multipliedBy(10));
		for (int i = 0; i + 1 < orphans.size(); i += 2) {
			orphaned(fromJson(orphans.get(i + 1)));
		}
	}

	// A result delivered later finds no future and goes to the listener, as an orphan.
	private void failAfterResultTimeout(String id, CompletableFuture<BatchItemResult> future) {
		Duration timeout = this.settings.resultTimeout();
		CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
			if (this.waiting.remove(id, future)) {
				complete(future, BatchItemResult.failed(id, BatchItemResult.Outcome.TIMED_OUT,
						"no result within llm.quota.batch.result-timeout (" + timeout + ")"));
			}
		});
	}

	private static void complete(CompletableFuture<BatchItemResult> future, BatchItemResult result) {
		if (result.outcome() == BatchItemResult.Outcome.SUCCEEDED) {
			future.complete(result);
		}
		else {
			future.completeExceptionally(new DeferredCallException(result));
		}
	}

	private void orphaned(BatchItemResult result) {
		if (this.listener == null) {
			logger.warn("llm-quota dropped the " + result.outcome() + " result of deferred call " + result.id()
					+ ": its caller is gone and no BatchResultListener bean takes it");
			return;
		}
		try {
			this.listener.orphaned(result);
		}
		catch (RuntimeException ex) {
			logger.warn("llm-quota BatchResultListener failed on deferred call " + result.id() + ": " + ex);
		}
	}

	private static String toJson(BatchItemResult result) {
		try {
			return JSON.writeValueAsString(result);
		}
		catch (JsonProcessingException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static BatchItemResult fromJson(String json) {
		try {
			return JSON.readValue(json, BatchItemResult.class);
		}
		catch (JsonProcessingException ex) {
			throw new IllegalStateException("Unreadable batch result " + json, ex);
		}
	}

	@Override
	protected void runPeriodically() {
		work();
	}

}
