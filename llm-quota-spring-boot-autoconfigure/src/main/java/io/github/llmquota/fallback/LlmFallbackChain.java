package io.github.llmquota.fallback;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.function.BiFunction;
import java.util.function.Function;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.llmquota.core.ErrorClass;
import io.github.llmquota.core.NonRetryableQuotaException;
import io.github.llmquota.core.PoolPressure;
import io.github.llmquota.core.PoolState;
import io.github.llmquota.core.Provider;
import io.github.llmquota.core.ProviderFeedback;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.engine.ModelSpec;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.provider.ProviderFeedbackResolver;

/**
 * Runs a model call on the first model of a named chain
 * ({@code llm.quota.fallback-chains}) that can serve it. The request names the model it
 * asks for; the chain's other models, in their configured order, are its fallbacks.
 * Typical use: <pre class="code">
 * QuotaRequest request = QuotaRequest.builder("claude-sonnet-4")
 *     .priority(Priority.INTERACTIVE).inputTokens(800).maxOutputTokens(1024).build();
 * Answer answer = chain.execute("chat", request, (model, lease) -&gt; {
 *     Response response = client.call(model, prompt);      // may throw ProviderCallException
 *     lease.settle(usageOf(response), feedbackOf(response));
 *     return answerOf(response);
 * });
 * </pre> {@link #executeAsync(String, QuotaRequest, AsyncFallbackCall)} does the same for
 * a call that returns a {@link CompletionStage}, without blocking a thread.
 * <p>
 * <b>Choosing a model.</b> Each model is tried in turn, at most once per call:
 * <ol>
 * <li>it is skipped when its Resilience4j circuit breaker (named after the model, so
 * {@code resilience4j.circuitbreaker.instances.<model>} configures it) permits no
 * call;</li>
 * <li>it is skipped when its pool cools down after a provider 429, or the model after
 * overload errors, as one read of the pool's shared state shows;</li>
 * <li>otherwise its pool is asked to admit the call within a short wait, the smaller of
 * {@code llm.quota.fallback.attempt-wait} and what is left of the caller's wait budget. A
 * request the pool cannot admit in that time is withdrawn atomically, holding nothing,
 * and reports when it could be admitted.</li>
 * </ol>
 * When no model admitted the call and the caller's budget allows it, the chain waits,
 * with the rest of the budget, on the model that reported the earliest retry-after (a
 * breaker that is open is never waited on). Otherwise it throws a
 * {@link FallbackExhaustedException} carrying the smallest retry-after any model reported
 * and why each model did not serve.
 * <p>
 * <b>Pressure.</b> When the asked-for model's pool is under pressure
 * ({@link PoolPressure}: a queue that takes longer than
 * {@code llm.quota.pressure.max-queue-drain} to drain, recent provider 429s), calls of
 * the low-priority classes ({@code llm.quota.fallback.low-priorities}) try the models of
 * other pools first, and the asked-for model and its pool siblings last, keeping that
 * pool for work that needs it. High utilisation alone does not divert: a pool that uses
 * what its safety margin allows serves its own calls. This costs one read of the pool's
 * state, made only for low-priority calls of chains that reach another pool.
 * <p>
 * <b>When the call fails.</b> The outcome is decided from the provider's answer (the
 * feedback the call released the lease with, the one a {@link ProviderCallException}
 * carries, or the HTTP answer inside an exception of Spring's HTTP clients or the
 * Anthropic and OpenAI SDKs) and otherwise from the exception:
 * <ul>
 * <li>overload, server error, timeout or I/O failure: a breaker failure, and the next
 * model is tried;</li>
 * <li>429: the pool now cools down; not a breaker failure (it is quota, not health); the
 * next model is tried;</li>
 * <li>exhausted quota ({@code insufficient_quota}, spend limits, monthly caps, Gemini
 * "limit: 0"): not a breaker failure, and never retried; the quota belongs to the
 * provider account, so the other models of the same provider are skipped while models of
 * other providers may serve (for models with several API keys, the account is the
 * key);</li>
 * <li>request too large: not a breaker failure, and no model is tried after it, since the
 * request is the problem; a {@link NonRetryableQuotaException} is thrown;</li>
 * <li>any other client error (4xx) or exception: thrown as it is, without trying another
 * model; only unknown exceptions reach the breaker, whose own configuration decides
 * whether they count.</li>
 * </ul>
 * When every model failed or could not be admitted, a {@link FallbackExhaustedException}
 * is thrown while some model could serve later (its cause is the last call's failure);
 * otherwise the last call's failure itself.
 * <p>
 * Thread-safe.
 */
public class LlmFallbackChain {

	private static final Log logger = LogFactory.getLog(LlmFallbackChain.class);

	private final QuotaEngine engine;

	private final QuotaSettings settings;

	private final CircuitBreakerRegistry breakers;

	private final FallbackChainSettings config;

	private final ProviderFeedbackResolver feedbackResolver;

	private final FallbackListener listener;

	/**
	 * Create a chain runner and the circuit breakers of every model in a chain.
	 * @param engine the engine that admits calls, and whose pool states tell cooldowns
	 * and utilisation
	 * @param settings the engine's settings
	 * @param breakers where the models' circuit breakers come from
	 * @param config the chains and how they route
	 * @param feedbackResolver reads the provider's answer in exceptions of known client
	 * libraries, or {@code null} to read only {@link ProviderCallException}
	 * @param listener told of every fallback, or {@code null}
	 * @throws IllegalArgumentException if a chain names a model that is not configured
	 */
	public LlmFallbackChain(QuotaEngine engine, QuotaSettings settings, CircuitBreakerRegistry breakers,
			FallbackChainSettings config, ProviderFeedbackResolver feedbackResolver, FallbackListener listener) {
		this.engine = Objects.requireNonNull(engine, "'engine' must not be null");
		this.settings = Objects.requireNonNull(settings, "'settings' must not be null");
		this.breakers = Objects.requireNonNull(breakers, "'breakers' must not be null");
		this.config = Objects.requireNonNull(config, "'config' must not be null");
		this.feedbackResolver = feedbackResolver;
		this.listener = listener;
		// Created up front, so that Resilience4j's own endpoints and metrics show them at
		// once.
		config.chains().values().forEach((models) -> models.forEach((model) -> {
			settings.model(model);
			breakers.circuitBreaker(model);
		}));
	}

	/**
	 * Run a call on the first model of the chain that can serve it: admit it, call it,
	 * and end its lease, falling back as the class description explains.
	 * @param <T> the result type
	 * @param <E> the checked exception the call may throw
	 * @param chain the chain name
	 * @param request the request for the model asked for; the chain copies it for each
	 * model it tries, with the same priority, token counts and user, and spreads its wait
	 * budget over the models
	 * @param call the call, given the chosen model and its lease
	 * @return what the call returned
	 * @throws FallbackExhaustedException if no model admitted the call within the budget
	 * @throws NonRetryableQuotaException if the request is too large for the provider, or
	 * the quota of every remaining provider is exhausted
	 * @throws QuotaRejectedException with {@link RejectionReason#CANCELLED} if the thread
	 * is interrupted while waiting
	 * @throws IllegalArgumentException for an unknown chain, model or priority class
	 * @throws E what the call threw, when no other model may serve it
	 */
	public <T, E extends Throwable> T execute(String chain, QuotaRequest request, FallbackCall<T, E> call) throws E {
		Run run = new Run(chain, request);
		for (;;) {
			FallbackAdmission admission = run.next();
			if (admission == null) {
				throw run.<E>failure();
			}
			T result;
			try {
				result = call.call(admission.model(), admission.lease());
			}
			catch (Throwable ex) {
				Throwable stop = run.callFailed(admission, ex);
				if (stop == null) {
					continue;
				}
				// The call's own failure, or a NonRetryableQuotaException.
				throw Run.<E>rethrown(stop);
			}
			admission.completed();
			return result;
		}
	}

	/**
	 * Run a call that returns a {@link CompletionStage} on the first model of the chain
	 * that can serve it, choosing, falling back and recording outcomes exactly as
	 * {@link #execute(String, QuotaRequest, FallbackCall)} does, without ever blocking a
	 * thread: each model's admission is awaited with {@link QuotaEngine#acquireAsync},
	 * and a call that fails moves on to the next model when its stage completes. The
	 * round trips to the quota store that choose and admit a model are made on the thread
	 * at hand, as the engine makes them. After a wait for admission the call is made on
	 * {@link CompletableFuture}'s default asynchronous executor, never on a thread of the
	 * engine.
	 * <p>
	 * Cancelling the returned future withdraws a ticket that is waiting, releases a lease
	 * granted in the instant of cancellation as
	 * {@link io.github.llmquota.core.CallOutcome#NOT_SENT}, and releases the lease of a
	 * call under way as {@link io.github.llmquota.core.CallOutcome#FAILED} before
	 * cancelling its stage (when it is a {@link Future}). A cancelled call is neither a
	 * success nor a failure to the breaker.
	 * @param <T> the result type
	 * @param chain the chain name
	 * @param request the request for the model asked for, as for
	 * {@link #execute(String, QuotaRequest, FallbackCall)}
	 * @param call the call, given the chosen model and its lease
	 * @return a future completed with what the call's stage completed with, or
	 * exceptionally with what {@link #execute(String, QuotaRequest, FallbackCall)} would
	 * throw
	 * @throws IllegalArgumentException for an unknown chain or model
	 */
	public <T> CompletableFuture<T> executeAsync(String chain, QuotaRequest request, AsyncFallbackCall<T> call) {
		Run run = new Run(chain, request);
		CompletableFuture<T> result = new CompletableFuture<>();
		result.whenComplete((value, failure) -> {
			if (result.isCancelled()) {
				run.cancel();
			}
		});
		attemptAsync(run, call, result);
		return result;
	}

	private <T> void attemptAsync(Run run, AsyncFallbackCall<T> call, CompletableFuture<T> result) {
		run.nextAsync(null).whenComplete((admission, rejection) -> {
			if (rejection != null) {
				result.completeExceptionally(Run.unwrap(rejection));
				return;
			}
			if (admission == null) {
				result.completeExceptionally(run.failure());
				return;
			}
			if (result.isDone()) {
				// Cancelled: Run#cancel released the lease.
				return;
			}
			admission.sent();
			CompletionStage<T> stage;
			try {
				stage = call.call(admission.model(), admission.lease());
				if (stage == null) {
					throw new IllegalStateException(
							"The call to model '" + admission.model() + "' returned null instead of a CompletionStage");
				}
			}
			catch (Throwable ex) {
				attemptFailed(run, call, result, admission, ex);
				return;
			}
			result.whenComplete((value, failure) -> {
				if (result.isCancelled()) {
					// Released first, so that the call's own cancellation finds the lease
					// ended and the breaker is not told of a failure.
					run.cancel();
					if (stage instanceof Future<?> future) {
						future.cancel(false);
					}
				}
			});
			stage.whenComplete((value, failure) -> {
				if (failure != null) {
					attemptFailed(run, call, result, admission, Run.unwrap(failure));
					return;
				}
				admission.completed();
				result.complete(value);
			});
		});
	}

	private <T> void attemptFailed(Run run, AsyncFallbackCall<T> call, CompletableFuture<T> result,
			FallbackAdmission admission, Throwable failure) {
		if (result.isDone()) {
			return;
		}
		Throwable stop = run.callFailed(admission, failure);
		if (stop == null) {
			attemptAsync(run, call, result);
		}
		else {
			result.completeExceptionally(stop);
		}
	}

	/**
	 * Start one call's way through a chain, for callers that drive it themselves without
	 * blocking, such as the Reactor adapter.
	 * @param chain the chain name
	 * @param request the request for the model asked for
	 * @return the run
	 * @throws IllegalArgumentException for an unknown chain or model
	 */
	Run run(String chain, QuotaRequest request) {
		return new Run(chain, request);
	}

	/**
	 * Choose a model of the chain and admit a call to it, without making the call: for
	 * callers that invoke the model themselves, such as an aspect. The model is chosen as
	 * for {@link #execute(String, QuotaRequest, FallbackCall)}; a failing call is not
	 * retried on another model. The caller makes the call to
	 * {@link FallbackAdmission#model()} and ends {@link FallbackAdmission#lease()}:
	 * <pre class="code">
	 * FallbackAdmission admission = chain.admit("chat", request);
	 * try {
	 *     Response response = client.call(admission.model(), prompt);
	 *     admission.lease().settle(usageOf(response));
	 *     return response;
	 * }
	 * catch (RuntimeException ex) {
	 *     admission.failed(ex);
	 *     throw ex;
	 * }
	 * </pre>
	 * @param chain the chain name
	 * @param request the request for the model asked for
	 * @return the admission
	 * @throws FallbackExhaustedException if no model admitted the call within the budget
	 * @throws QuotaRejectedException with {@link RejectionReason#CANCELLED} if the thread
	 * is interrupted while waiting
	 * @throws IllegalArgumentException for an unknown chain, model or priority class
	 */
	public FallbackAdmission admit(String chain, QuotaRequest request) {
		Run run = new Run(chain, request);
		FallbackAdmission admission = run.next();
		if (admission == null) {
			throw run.<RuntimeException>failure();
		}
		return admission;
	}

	/**
	 * Return the configured chains.
	 * @return the models of each chain by chain name, in the order they are tried
	 */
	public Map<String, List<String>> chains() {
		return this.config.chains();
	}

	/**
	 * Return the state of every model's circuit breaker, for the actuator endpoint: the
	 * models of every chain, and any other configured model whose breaker exists.
	 * @return the Resilience4j state name ({@code CLOSED}, {@code OPEN},
	 * {@code HALF_OPEN}, ...) by model name, sorted by model
	 */
	public Map<String, String> breakerStates() {
		Map<String, String> states = new TreeMap<>();
		for (String model : this.settings.models().keySet()) {
			this.breakers.find(model).ifPresent((breaker) -> states.put(model, breaker.getState().name()));
		}
		return states;
	}

	private ProviderFeedback feedbackOf(ModelSpec model, Throwable failure) {
		ProviderFeedback feedback = Failure.feedbackOf(failure);
		if (feedback == null && this.feedbackResolver != null) {
			feedback = this.feedbackResolver.resolve(model.pool().name(), model.pool().provider(), failure);
		}
		return (feedback != null) ? feedback : ProviderFeedback.none();
	}

	private void fellBack(String chain, String from, String to) {
		if (this.listener == null) {
			return;
		}
		try {
			this.listener.fellBack(chain, from, to);
		}
		catch (RuntimeException ex) {
			logger.warn("llm-quota fallback listener " + this.listener + " failed: " + ex);
		}
	}

	/**
	 * One call's way through a chain. Used by one thread at a time: the asynchronous
	 * steps hand it on through the completion of the futures that order them. Only
	 * {@link #cancel()} may be called from any thread.
	 */
	final class Run {

		private final String chain;

		private final QuotaRequest request;

		private final String requested;

		private final List<String> order = new ArrayList<>();

		private final Duration budget;

		private final long deadline;

		private final Map<String, FallbackAttempt> attempts = new LinkedHashMap<>();

		private final Map<String, PoolState> states = new HashMap<>();

		private final Set<String> exhaustedAccounts = new HashSet<>();

		private int next;

		private boolean waited;

		private Throwable lastFailure;

		private volatile boolean cancelled;

		private volatile CompletableFuture<QuotaLease> acquisition;

		private volatile FallbackAdmission admission;

		Run(String chain, QuotaRequest request) {
			List<String> models = LlmFallbackChain.this.config.chains().get(chain);
			if (models == null) {
				throw new IllegalArgumentException("Unknown fallback chain '" + chain
						+ "': configure it under llm.quota.fallback-chains (configured: "
						+ new TreeMap<>(LlmFallbackChain.this.config.chains()).keySet() + ")");
			}
			QuotaSettings settings = LlmFallbackChain.this.settings;
			this.chain = chain;
			this.request = request;
			this.requested = settings.model(request.model()).name();
			this.order.add(this.requested);
			models.stream().filter((model) -> !model.equals(this.requested)).forEach(this.order::add);
			this.budget = settings.maxWait(request);
			this.deadline = System.nanoTime() + this.budget.toNanos();
			String busyPool = settings.model(this.requested).pool().name();
			List<String> elsewhere = this.order.stream()
				.filter((model) -> !settings.model(model).pool().name().equals(busyPool))
				.toList();
			if (!elsewhere.isEmpty() && givesWay(settings.priorityClass(request.priority()).name())
					&& underPressure()) {
				// Siblings in the same pool drain the same bucket: they go last too.
				List<String> samePool = this.order.stream().filter((model) -> !elsewhere.contains(model)).toList();
				this.order.clear();
				this.order.addAll(elsewhere);
				this.order.addAll(samePool);
			}
		}

		private boolean givesWay(String priorityClass) {
			return LlmFallbackChain.this.config.lowPriorities().contains(priorityClass);
		}

		private boolean underPressure() {
			try {
				String pool = LlmFallbackChain.this.settings.model(this.requested).pool().name();
				return PoolPressure
					.of(LlmFallbackChain.this.engine.state(pool), LlmFallbackChain.this.config.maxQueueDrain())
					.isUnderPressure();
			}
			catch (RuntimeException ex) {
				// Without the shared state, keep the configured order: admission decides.
				return false;
			}
		}

		/**
		 * Return the next admission, waiting on this thread, or {@code null} when no
		 * model can serve.
		 */
		FallbackAdmission next() {
			for (Candidate candidate = candidate(); candidate != null; candidate = candidate()) {
				QuotaLease lease;
				try {
					lease = LlmFallbackChain.this.engine.acquire(candidate.request());
				}
				catch (RuntimeException ex) {
					notAdmitted(candidate, ex);
					continue;
				}
				return admitted(candidate, lease);
			}
			return null;
		}

		/**
		 * Return a future of the next admission, completed with {@code null} when no
		 * model can serve. No thread waits for admission: the next model is asked when
		 * the previous one's admission fails.
		 * @param afterWait runs what follows a wait for admission, or {@code null} for
		 * {@link CompletableFuture}'s default asynchronous executor
		 */
		CompletableFuture<FallbackAdmission> nextAsync(Executor afterWait) {
			Candidate candidate;
			CompletableFuture<QuotaLease> acquisition;
			try {
				candidate = candidate();
				if (candidate == null) {
					return CompletableFuture.completedFuture(null);
				}
				acquisition = acquireAsync(candidate);
			}
			catch (RuntimeException ex) {
				return CompletableFuture.failedFuture(ex);
			}
			this.acquisition = acquisition;
			if (this.cancelled) {
				acquisition.cancel(false);
			}
			Function<QuotaLease, CompletableFuture<FallbackAdmission>> granted = (lease) -> {
				FallbackAdmission admission = admitted(candidate, lease);
				this.admission = admission;
				if (this.cancelled) {
					admission.cancelled();
				}
				return CompletableFuture.completedFuture(admission);
			};
			BiFunction<QuotaLease, Throwable, CompletableFuture<FallbackAdmission>> then = (lease, failure) -> {
				if (failure == null) {
					return granted.apply(lease);
				}
				notAdmitted(candidate, unwrap(failure));
				return nextAsync(afterWait);
			};
			CompletableFuture<CompletableFuture<FallbackAdmission>> next;
			if (acquisition.isDone()) {
				next = acquisition.handle(then);
			}
			else {
				// Never continue on the engine's thread that granted or expired the
				// ticket.
				next = (afterWait != null) ? acquisition.handleAsync(then, afterWait) : acquisition.handleAsync(then);
			}
			return next.thenCompose(Function.identity());
		}

		private CompletableFuture<QuotaLease> acquireAsync(Candidate candidate) {
			try {
				return LlmFallbackChain.this.engine.acquireAsync(candidate.request());
			}
			catch (RuntimeException ex) {
				candidate.breaker().releasePermission();
				throw ex;
			}
		}

		/**
		 * Give up the call: withdraw a ticket that waits, and release the lease of the
		 * admission in hand (see {@link FallbackAdmission#cancelled()}). May be called
		 * from any thread, at any time, more than once.
		 */
		void cancel() {
			this.cancelled = true;
			CompletableFuture<QuotaLease> acquisition = this.acquisition;
			if (acquisition != null) {
				acquisition.cancel(false);
			}
			FallbackAdmission admission = this.admission;
			if (admission != null) {
				admission.cancelled();
			}
		}

		/**
		 * Return the next model to ask, with the wait it gets, or {@code null} when no
		 * model is left to ask.
		 */
		private Candidate candidate() {
			while (this.next < this.order.size()) {
				Candidate candidate = tryModel(this.order.get(this.next++));
				if (candidate != null) {
					return candidate;
				}
			}
			if (this.waited) {
				return null;
			}
			this.waited = true;
			FallbackAttempt earliest = this.attempts.values()
				.stream()
				.filter(this::worthWaitingFor)
				.min(Comparator.comparing(FallbackAttempt::retryAfter))
				.orElse(null);
			long remaining = remainingMillis();
			if (earliest == null || remaining <= 0 || earliest.retryAfter().toMillis() > remaining) {
				return null;
			}
			CircuitBreaker breaker = LlmFallbackChain.this.breakers.circuitBreaker(earliest.model());
			if (!breaker.tryAcquirePermission()) {
				record(circuitOpen(earliest.model(), breaker));
				return null;
			}
			return candidate(earliest.model(), Duration.ofMillis(remaining), breaker);
		}

		private boolean worthWaitingFor(FallbackAttempt attempt) {
			return attempt.retryAfter() != null && (attempt.outcome() == FallbackAttempt.Outcome.COOLING_DOWN
					|| attempt.outcome() == FallbackAttempt.Outcome.REJECTED);
		}

		private Candidate tryModel(String model) {
			ModelSpec spec = LlmFallbackChain.this.settings.model(model);
			String pool = spec.pool().name();
			if (LlmFallbackChain.this.settings.apiKeys(model)
				.stream()
				.allMatch((key) -> this.exhaustedAccounts.contains(account(key.pool().provider(), key.apiKey())))) {
				record(new FallbackAttempt(model, pool, FallbackAttempt.Outcome.PROVIDER_EXHAUSTED, null, null,
						"skipped: the quota of its " + spec.pool().provider() + " account is exhausted"));
				return null;
			}
			CircuitBreaker breaker = LlmFallbackChain.this.breakers.circuitBreaker(model);
			if (!breaker.tryAcquirePermission()) {
				record(circuitOpen(model, breaker));
				return null;
			}
			long cooling = coolingMillis(model);
			if (cooling > 0) {
				breaker.releasePermission();
				record(new FallbackAttempt(model, pool, FallbackAttempt.Outcome.COOLING_DOWN, null,
						Duration.ofMillis(cooling), "cooling down for another " + Duration.ofMillis(cooling)));
				return null;
			}
			long share = Math.max(0,
					Math.min(LlmFallbackChain.this.config.attemptWait().toMillis(), remainingMillis()));
			return candidate(model, Duration.ofMillis(share), breaker);
		}

		private Candidate candidate(String model, Duration wait, CircuitBreaker breaker) {
			return new Candidate(new QuotaRequest(model, this.request.priority(), this.request.inputTokens(),
					this.request.maxOutputTokens(), this.request.user(), wait, 0, false, this.request.tenant(),
					this.request.cacheWriteTokens()), breaker);
		}

		/**
		 * Record why a candidate was not admitted, or rethrow what ends the call: a
		 * cancellation, or a failure of the engine itself.
		 */
		private void notAdmitted(Candidate candidate, RuntimeException failure) {
			candidate.breaker().releasePermission();
			if (failure instanceof NonRetryableQuotaException exhausted) {
				poolExhausted(candidate.request().model(), exhausted);
				return;
			}
			if (!(failure instanceof QuotaRejectedException rejected)
					|| rejected.getReason() == RejectionReason.CANCELLED) {
				throw failure;
			}
			record(new FallbackAttempt(candidate.request().model(), rejected.getPool(),
					FallbackAttempt.Outcome.REJECTED, rejected.getReason(), rejected.getRetryAfter(),
					"not admitted (" + rejected.getReason() + "): " + rejected.getMessage()));
		}

		private void notAdmitted(Candidate candidate, Throwable failure) {
			if (failure instanceof RuntimeException runtime) {
				notAdmitted(candidate, runtime);
				return;
			}
			candidate.breaker().releasePermission();
			throw new CompletionException(failure);
		}

		private FallbackAdmission admitted(Candidate candidate, QuotaLease lease) {
			String model = candidate.request().model();
			if (!model.equals(this.requested)) {
				fellBack(this.chain, this.requested, model);
			}
			ModelSpec spec = LlmFallbackChain.this.settings.model(model);
			return new FallbackAdmission(this.chain, this.requested, candidate.request(), lease, candidate.breaker(),
					(failure) -> feedbackOf(spec, failure));
		}

		// One pool state per pool (per key of a model with several); a state that cannot
		// be read leaves the decision to admission.
		private long coolingMillis(String model) {
			long cooling = Long.MAX_VALUE;
			for (ModelSpec spec : LlmFallbackChain.this.settings.apiKeys(model)) {
				PoolState state;
				try {
					state = this.states.computeIfAbsent(spec.pool().name(), LlmFallbackChain.this.engine::state);
				}
				catch (RuntimeException ex) {
					return 0;
				}
				cooling = Math.min(cooling, state.cooldownOf(spec.name()).toMillis());
			}
			return cooling;
		}

		// The pool is marked exhausted fleet-wide: another instance's call was refused as
		// this one's would be, so its account is skipped as if this call had been
		// refused.
		private void poolExhausted(String model, NonRetryableQuotaException exhausted) {
			LlmFallbackChain.this.settings.apiKeys(model)
				.stream()
				.filter((key) -> key.pool().name().equals(exhausted.getPool()))
				.forEach((key) -> this.exhaustedAccounts.add(account(key.pool().provider(), key.apiKey())));
			this.lastFailure = exhausted;
			record(new FallbackAttempt(model, exhausted.getPool(), FallbackAttempt.Outcome.PROVIDER_EXHAUSTED, null,
					null, "skipped: " + exhausted.getMessage()));
		}

		private FallbackAttempt circuitOpen(String model, CircuitBreaker breaker) {
			CircuitBreaker.State state = breaker.getState();
			// Resilience4j does not tell when an open breaker half-opens; its configured
			// wait is an upper bound.
			Duration retryAfter = (state == CircuitBreaker.State.OPEN)
					? Duration.ofMillis(breaker.getCircuitBreakerConfig().getWaitIntervalFunctionInOpenState().apply(1))
					: null;
			return new FallbackAttempt(model, LlmFallbackChain.this.settings.model(model).pool().name(),
					FallbackAttempt.Outcome.CIRCUIT_OPEN, null, retryAfter, "circuit breaker " + state);
		}

		/**
		 * End a call that failed and decide what follows.
		 * @return {@code null} when another model may serve the call, otherwise what to
		 * throw
		 */
		Throwable callFailed(FallbackAdmission admission, Throwable thrown) {
			Failure failure = admission.end(thrown);
			if (failure.fallsBack()) {
				record(admission, failure, thrown);
				return null;
			}
			return (failure == Failure.REQUEST_TOO_LARGE) ? nonRetryable(admission, failure, thrown) : thrown;
		}

		private void record(FallbackAdmission admission, Failure failure, Throwable thrown) {
			ModelSpec spec = LlmFallbackChain.this.settings.model(admission.model());
			if (failure == Failure.QUOTA_EXHAUSTED) {
				this.exhaustedAccounts.add(account(spec.pool().provider(), admission.lease().apiKey()));
				this.lastFailure = nonRetryable(admission, failure, thrown);
			}
			else {
				this.lastFailure = thrown;
			}
			record(new FallbackAttempt(spec.name(), spec.pool().name(), FallbackAttempt.Outcome.CALL_FAILED, null, null,
					"call failed (" + failure + "): " + this.lastFailure));
		}

		NonRetryableQuotaException nonRetryable(FallbackAdmission admission, Failure failure, Throwable thrown) {
			Throwable current = thrown;
			for (int depth = 0; current != null && depth < 10; depth++) {
				if (current instanceof NonRetryableQuotaException nonRetryable) {
					return nonRetryable;
				}
				current = current.getCause();
			}
			ProviderFeedback feedback = (admission.endFeedback() != null) ? admission.endFeedback()
					: Failure.feedbackOf(thrown);
			String message = (feedback != null) ? feedback.getErrorMessage().orElse(null) : null;
			ErrorClass errorClass = (failure == Failure.REQUEST_TOO_LARGE) ? ErrorClass.REQUEST_TOO_LARGE
					: ErrorClass.QUOTA_EXHAUSTED;
			NonRetryableQuotaException exception = new NonRetryableQuotaException(admission.lease().pool(),
					admission.model(), errorClass, message);
			exception.initCause(thrown);
			return exception;
		}

		/**
		 * Return what to throw when no model can serve: a
		 * {@link FallbackExhaustedException} while some model could serve later,
		 * otherwise the last call's failure.
		 */
		@SuppressWarnings("unchecked")
		<X extends Throwable> X failure() {
			FallbackExhaustedException exhausted = new FallbackExhaustedException(this.chain,
					LlmFallbackChain.this.settings.model(this.requested).pool().name(), this.budget,
					new ArrayList<>(this.attempts.values()));
			if (this.lastFailure == null) {
				return (X) exhausted;
			}
			if (exhausted.getRetryAfter() != null) {
				exhausted.initCause(this.lastFailure);
				return (X) exhausted;
			}
			if (this.attempts.size() > 1) {
				this.lastFailure.addSuppressed(exhausted);
			}
			// Thrown by the call itself, so of the call's exception type or unchecked.
			return (X) this.lastFailure;
		}

		private void record(FallbackAttempt attempt) {
			// A model tried again at the end is reported by its last attempt.
			this.attempts.remove(attempt.model());
			this.attempts.put(attempt.model(), attempt);
		}

		private long remainingMillis() {
			return Math.max(0, (this.deadline - System.nanoTime()) / 1_000_000);
		}

		// An exhausted quota belongs to the provider account, or to the key where a model
		// has several.
		private String account(Provider provider, String apiKey) {
			return provider.name() + ((apiKey != null) ? "/" + apiKey : "");
		}

		/**
		 * Return a failure as the call threw it, without the wrapper of a
		 * {@link CompletableFuture} stage.
		 */
		static Throwable unwrap(Throwable failure) {
			return (failure instanceof CompletionException && failure.getCause() != null) ? failure.getCause()
					: failure;
		}

		// What a call threw is of the call's exception type or unchecked; what the chain
		// makes of it is unchecked.
		@SuppressWarnings("unchecked")
		static <X extends Throwable> X rethrown(Throwable failure) {
			return (X) failure;
		}

	}

	/**
	 * A model to ask, and the request and breaker permission to ask it with.
	 */
	private record Candidate(QuotaRequest request, CircuitBreaker breaker) {
	}

}
