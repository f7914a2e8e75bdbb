package io.github.llmquota.attempt;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.ErrorClass;
import io.github.llmquota.core.NonRetryableQuotaException;
import io.github.llmquota.core.ProviderFeedback;
import io.github.llmquota.core.ProviderProfile;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.engine.ModelSpec;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.estimate.TokenEstimator;
import io.github.llmquota.provider.ProviderFeedbackParser;
import io.github.llmquota.stream.SseUsageTap;
import io.github.llmquota.stream.StreamMeter;
import io.github.llmquota.stream.StreamStep;
import io.github.llmquota.usage.JsonUsageExtractor;

import org.springframework.lang.Nullable;

/**
 * Admits every HTTP attempt to a provider before it is sent, and settles it from its own
 * response. A transport adapter (the RestClient interceptor, the WebClient filter, an
 * SDK's HTTP client) hands each request to {@link #exchange} or {@link #exchangeAsync}
 * with a way to send it; the governor then:
 * <ol>
 * <li>reads the JSON request body once: the model ({@code model}, one of
 * {@code llm.quota.models}), the most output ({@code max_tokens},
 * {@code max_completion_tokens} or {@code max_output_tokens}, else
 * {@code llm.quota.governor.default-max-output-tokens}) and an estimate of the prompt
 * (the text of the system prompt, messages, input and tools, through the
 * {@link TokenEstimator});</li>
 * <li>asks the {@link QuotaEngine} for admission with the {@link LlmCallContext}'s
 * priority class, user and wait budget, or takes over the lease the context
 * {@linkplain LeaseHandOver hands over};</li>
 * <li>sends the attempt and reads the answer with the {@link ProviderFeedbackParser}:
 * <ul>
 * <li>a success settles the lease to the JSON {@code usage} of the body (see
 * {@link JsonUsageExtractor}) and the rate-limit headers; a server-sent event stream is
 * handed back unread and settles at its reservation when its body is closed;</li>
 * <li>a rate limit (429) or an overload (529, 503) is never handed back: the lease is
 * released with the feedback, which cools the pool down fleet-wide, and the request
 * re-enters the waiting room in its class and original arrival order, to be sent again
 * when admitted; once the wait budget is spent the caller gets the engine's
 * {@link QuotaRejectedException};</li>
 * <li>an exhausted quota or a request larger than a limit releases the lease with the
 * feedback (which marks the pool exhausted fleet-wide) and is handed back
 * {@linkplain ProviderReply#nonRetryable marked} so that no retry layer retries it;</li>
 * <li>any other error releases the lease and is handed back as it came.</li>
 * </ul>
 * </li>
 * </ol>
 * The wait budget is the context's, else the priority class's default, and it covers
 * every attempt of one exchange. A body that is no JSON object naming a model (listing
 * models, uploading a file) is not a model call: it is sent as it is. A model that is not
 * configured fails with an {@link UnknownModelException} before anything is sent, unless
 * it is listed in {@code llm.quota.governor.ungoverned-models}.
 * <p>
 * Thread-safe; one instance serves every transport of the application.
 * {@link #exchangeAsync} never blocks a thread to wait: after a wait, the attempt is sent
 * from {@link CompletableFuture}'s default asynchronous executor, never from a thread of
 * the engine. Like {@code @LlmRateLimited}, the round trips to the quota store that ask
 * for admission and end the lease are made on the thread at hand.
 */
public class AttemptGovernor {

	private static final Log logger = LogFactory.getLog(AttemptGovernor.class);

	private static final JsonMapper mapper = JsonMapper.builder().build();

	private final QuotaEngine engine;

	private final QuotaSettings settings;

	private final TokenEstimator estimator;

	private final ProviderFeedbackParser parser;

	private final Policy policy;

	private final JsonUsageExtractor usageExtractor = new JsonUsageExtractor();

	private final Clock clock;

	/**
	 * Create a governor.
	 * @param engine the engine that admits attempts
	 * @param settings the settings that request models are looked up in
	 * @param estimator estimates the prompt of each call, and is told what the provider
	 * reported
	 * @param parser reads the provider's answers
	 * @param policy what applies to calls that do not say
	 * @throws NullPointerException if an argument is {@code null}
	 * @throws IllegalArgumentException if the policy's default priority class is not
	 * configured
	 */
	public AttemptGovernor(QuotaEngine engine, QuotaSettings settings, TokenEstimator estimator,
			ProviderFeedbackParser parser, Policy policy) {
		this(engine, settings, estimator, parser, policy, Clock.systemUTC());
	}

	AttemptGovernor(QuotaEngine engine, QuotaSettings settings, TokenEstimator estimator, ProviderFeedbackParser parser,
			Policy policy, Clock clock) {
		this.engine = Objects.requireNonNull(engine, "'engine' must not be null");
		this.settings = Objects.requireNonNull(settings, "'settings' must not be null");
		this.estimator = Objects.requireNonNull(estimator, "'estimator' must not be null");
		this.parser = Objects.requireNonNull(parser, "'parser' must not be null");
		this.policy = Objects.requireNonNull(policy, "'policy' must not be null");
		this.clock = clock;
		settings.priorityClass(policy.defaultPriority());
	}

	/**
	 * Govern one exchange with a provider on a blocking transport, in the context bound
	 * to the current thread. Blocks while an attempt waits for admission.
	 * @param <R> the transport's response type
	 * @param request the request
	 * @param attempt sends one attempt of it
	 * @return the response to hand to the caller
	 * @throws IOException if an attempt could not be sent; its lease is released
	 * @throws QuotaRejectedException if an attempt is not admitted within the wait budget
	 * @throws NonRetryableQuotaException if the pool is marked exhausted, or the
	 * transport reports a non-retryable answer by throwing
	 * @throws UnknownModelException if the body names a model that is not configured
	 */
	public <R> R exchange(ProviderRequest request, ProviderAttempt<R> attempt) throws IOException {
		return exchange(request, LlmCallContext.current(), attempt);
	}

	/**
	 * Govern one exchange with a provider on a blocking transport, in a given context.
	 * Blocks while an attempt waits for admission.
	 * @param <R> the transport's response type
	 * @param request the request
	 * @param context the call context
	 * @param attempt sends one attempt of it
	 * @return the response to hand to the caller
	 * @throws IOException if an attempt could not be sent; its lease is released
	 * @throws QuotaRejectedException if an attempt is not admitted within the wait budget
	 * @throws NonRetryableQuotaException if the pool is marked exhausted, or the
	 * transport reports a non-retryable answer by throwing
	 * @throws UnknownModelException if the body names a model that is not configured
	 */
	public <R> R exchange(ProviderRequest request, LlmCallContext context, ProviderAttempt<R> attempt)
			throws IOException {
		Objects.requireNonNull(attempt, "'attempt' must not be null");
		Call call = call(request, context);
		if (call == null) {
			return ungoverned(attempt.send());
		}
		QuotaLease lease = call.handedOver();
		while (true) {
			if (lease == null) {
				lease = this.engine.acquire(call.nextRequest());
			}
			call.admitted(lease);
			ProviderReply<R> reply;
			try {
				reply = attempt.send();
			}
			catch (IOException | RuntimeException | Error ex) {
				release(lease, ProviderFeedback.none());
				throw ex;
			}
			Answer<R> answer = answer(call, lease, reply);
			if (answer.retry()) {
				lease = null;
				continue;
			}
			return answer.handBack().get();
		}
	}

	/**
	 * Govern one exchange with a provider on a non-blocking transport, in the context
	 * bound to the current thread. No thread waits for admission.
	 * @param <R> the transport's response type
	 * @param request the request
	 * @param attempt sends one attempt of it
	 * @return a future completed with the response to hand to the caller, or
	 * exceptionally as {@link #exchange(ProviderRequest, ProviderAttempt)} throws;
	 * cancelling it withdraws a waiting attempt
	 */
	public <R> CompletableFuture<R> exchangeAsync(ProviderRequest request, AsyncProviderAttempt<R> attempt) {
		return exchangeAsync(request, LlmCallContext.current(), attempt);
	}

	/**
	 * Govern one exchange with a provider on a non-blocking transport, in a given
	 * context. No thread waits for admission.
	 * @param <R> the transport's response type
	 * @param request the request
	 * @param context the call context, for example the one a Reactor {@code Context}
	 * carries under {@link LlmCallContext#REACTOR_CONTEXT_KEY}
	 * @param attempt sends one attempt of it
	 * @return a future completed with the response to hand to the caller, or
	 * exceptionally as {@link #exchange(ProviderRequest, ProviderAttempt)} throws;
	 * cancelling it withdraws a waiting attempt
	 */
	public <R> CompletableFuture<R> exchangeAsync(ProviderRequest request, LlmCallContext context,
			AsyncProviderAttempt<R> attempt) {
		Objects.requireNonNull(attempt, "'attempt' must not be null");
		CompletableFuture<R> result = new CompletableFuture<>();
		Call call;
		try {
			call = call(request, context);
		}
		catch (RuntimeException ex) {
			result.completeExceptionally(ex);
			return result;
		}
		if (call == null) {
			send(attempt).whenComplete((reply, failure) -> {
				if (failure != null) {
					result.completeExceptionally(unwrap(failure));
					return;
				}
				complete(result, () -> ungoverned(reply));
			});
			return result;
		}
		attemptAsync(call, call.handedOver(), attempt, result);
		return result;
	}

	private <R> void attemptAsync(Call call, @Nullable QuotaLease handedOver, AsyncProviderAttempt<R> attempt,
			CompletableFuture<R> result) {
		CompletableFuture<QuotaLease> admission;
		try {
			admission = (handedOver != null) ? CompletableFuture.completedFuture(handedOver)
					: this.engine.acquireAsync(call.nextRequest());
		}
		catch (RuntimeException ex) {
			result.completeExceptionally(ex);
			return;
		}
		result.whenComplete((value, failure) -> {
			if (result.isCancelled()) {
				admission.cancel(false);
			}
		});
		BiConsumer<QuotaLease, Throwable> admitted = (lease, rejection) -> {
			if (rejection != null) {
				result.completeExceptionally(unwrap(rejection));
				return;
			}
			if (result.isDone()) {
				// The caller cancelled as admission was granted: the attempt is never
				// sent.
				lease.release(CallOutcome.NOT_SENT);
				return;
			}
			call.admitted(lease);
			send(attempt).whenComplete((reply, failure) -> {
				if (failure != null) {
					release(lease, ProviderFeedback.none());
					result.completeExceptionally(unwrap(failure));
					return;
				}
				if (result.isDone()) {
					release(lease, ProviderFeedback.none());
					reply.discard();
					return;
				}
				Answer<R> answer;
				try {
					answer = answer(call, lease, reply);
				}
				catch (RuntimeException ex) {
					result.completeExceptionally(ex);
					return;
				}
				if (answer.retry()) {
					attemptAsync(call, null, attempt, result);
				}
				else {
					complete(result, answer.handBack());
				}
			});
		};
		if (admission.isDone()) {
			admission.whenComplete(admitted);
		}
		else {
			admission.whenCompleteAsync(admitted);
		}
	}

	private static <R> CompletableFuture<ProviderReply<R>> send(AsyncProviderAttempt<R> attempt) {
		try {
			CompletableFuture<ProviderReply<R>> sent = attempt.send();
			return (sent != null) ? sent
					: CompletableFuture.failedFuture(new IllegalStateException(attempt + " returned no future"));
		}
		catch (RuntimeException ex) {
			return CompletableFuture.failedFuture(ex);
		}
	}

	private static <R> void complete(CompletableFuture<R> result, HandBack<R> handBack) {
		try {
			result.complete(handBack.get());
		}
		catch (IOException | RuntimeException ex) {
			result.completeExceptionally(ex);
		}
	}

	private static Throwable unwrap(Throwable failure) {
		return (failure instanceof CompletionException && failure.getCause() != null) ? failure.getCause() : failure;
	}

	private static <R> R ungoverned(ProviderReply<R> reply) throws IOException {
		return (reply.body() == null) ? reply.streamed(() -> {
		}) : reply.response();
	}

	/**
	 * Read a request into a call, or {@code null} when it is not a governed model call.
	 */
	@Nullable
	private Call call(ProviderRequest request, LlmCallContext context) {
		Objects.requireNonNull(request, "'request' must not be null");
		Objects.requireNonNull(context, "'context' must not be null");
		AttemptRequest body = AttemptRequest.read(request.body(), this.policy.defaultMaxOutputTokens());
		if (body == null || this.policy.ungovernedModels().contains(body.model())) {
			return null;
		}
		if (!this.settings.models().containsKey(body.model())) {
			throw new UnknownModelException(abbreviate(body.model()), request.uri().toString());
		}
		ModelSpec model = this.settings.model(body.model());
		String priority = (context.getPriority() != null) ? context.getPriority() : this.policy.defaultPriority();
		QuotaLease handedOver = (context.getHandOver() != null) ? context.getHandOver().take(model.name()) : null;
		long inputTokens = this.estimator.estimateInputTokens(model.name(), model.pool().provider(),
				new Object[] { body.promptText() });
		QuotaRequest first = QuotaRequest.builder(model.name())
			.priority(priority)
			.user(context.getUser())
			.tenant(context.getTenant())
			.inputTokens(inputTokens)
			.maxOutputTokens(body.maxOutputTokens())
			.maxWait(context.getMaxWait())
			.build();
		return new Call(model, first, this.settings.maxWait(first), handedOver);
	}

	/**
	 * Decide what an attempt's answer means, and end its lease accordingly.
	 */
	private <R> Answer<R> answer(Call call, QuotaLease lease, ProviderReply<R> reply) {
		byte[] body = reply.body();
		ProviderFeedback feedback = this.parser.parse(lease.pool(), call.model().pool().provider(), reply.status(),
				reply.headers(), (body != null) ? new String(body, StandardCharsets.UTF_8) : null,
				this.clock.instant());
		ErrorClass errorClass = feedback.getErrorClass();
		if (reply.status() < 400 && errorClass == ErrorClass.NONE) {
			if (body == null) {
				// Charged as it is read; settled from its final usage, or from what was
				// read when it ends early. A transport that passes no bytes settles at
				// the reservation, as before.
				SseUsageTap tap = new SseUsageTap(new StreamMeter(lease, call.request().inputTokens(),
						this.policy.streamStep(), ProviderProfile.of(call.model().pool().provider())));
				AtomicBoolean ended = new AtomicBoolean();
				return Answer.handingBack(() -> reply.streamed(tap, () -> {
					if (ended.compareAndSet(false, true)) {
						if (tap.sawEvents()) {
							finish(tap, lease, feedback);
						}
						else {
							settle(call, lease, null, feedback);
						}
					}
				}));
			}
			settle(call, lease, usage(body), feedback);
			return Answer.handingBack(reply::response);
		}
		release(lease, feedback);
		if (errorClass.retryable()) {
			reply.discard();
			return Answer.again();
		}
		Optional<NonRetryableQuotaException> nonRetryable = NonRetryableQuotaException.from(lease.pool(), lease.model(),
				feedback);
		if (nonRetryable.isPresent()) {
			return Answer.handingBack(() -> reply.nonRetryable(nonRetryable.get()));
		}
		return Answer.handingBack(reply::response);
	}

	@Nullable
	private TokenUsage usage(byte[] body) {
		try {
			JsonNode root = mapper.readTree(body);
			return this.usageExtractor.extract(root).orElse(null);
		}
		catch (IOException | RuntimeException ex) {
			return null;
		}
	}

	private void settle(Call call, QuotaLease lease, @Nullable TokenUsage usage, ProviderFeedback feedback) {
		QuotaRequest request = call.request();
		TokenUsage settled = (usage != null) ? usage : TokenUsage.of(request.inputTokens(), request.maxOutputTokens());
		try {
			lease.settle(settled, feedback);
			if (usage != null && request.inputTokens() > 0) {
				this.estimator.recordActual(request.model(), request.inputTokens(), usage.totalInputTokens());
			}
		}
		catch (RuntimeException ex) {
			logger.warn("llm-quota could not settle lease " + lease.id() + ": " + ex, ex);
		}
	}

	private static void finish(SseUsageTap tap, QuotaLease lease, ProviderFeedback feedback) {
		try {
			tap.finish(feedback);
		}
		catch (RuntimeException ex) {
			logger.warn("llm-quota could not settle stream of lease " + lease.id() + ": " + ex, ex);
		}
	}

	private static void release(QuotaLease lease, ProviderFeedback feedback) {
		try {
			lease.release(CallOutcome.FAILED, feedback);
		}
		catch (RuntimeException ex) {
			logger.warn("llm-quota could not release lease " + lease.id() + ": " + ex, ex);
		}
	}

	private static String abbreviate(String value) {
		return (value.length() <= 100) ? value : value.substring(0, 100) + "...";
	}

	/**
	 * What applies to calls that do not say, and which models are sent without admission.
	 *
	 * @param defaultPriority the priority class of calls whose context names none, or
	 * {@code null} for {@code llm.quota.default-priority}
	 * @param ungovernedModels models that are sent without admission, by the name the
	 * request body gives them
	 * @param defaultMaxOutputTokens the output reserved for a request that names no limit
	 * @param streamStep how often a streamed answer charges its lease as it is read
	 */
	public record Policy(@Nullable String defaultPriority, Set<String> ungovernedModels, long defaultMaxOutputTokens,
			StreamStep streamStep) {

		/**
		 * Create a policy.
		 * @throws IllegalArgumentException if the default output is negative
		 */
		public Policy {
			ungovernedModels = Set.copyOf(ungovernedModels);
			if (defaultMaxOutputTokens < 0) {
				throw new IllegalArgumentException(
						"defaultMaxOutputTokens must not be negative, was " + defaultMaxOutputTokens);
			}
			Objects.requireNonNull(streamStep, "'streamStep' must not be null");
		}

		/**
		 * Create a policy whose streams charge at the {@linkplain StreamStep#DEFAULT
		 * default step}.
		 * @param defaultPriority the priority class of calls whose context names none
		 * @param ungovernedModels models that are sent without admission
		 * @param defaultMaxOutputTokens the output reserved for a request that names no
		 * limit
		 */
		public Policy(@Nullable String defaultPriority, Set<String> ungovernedModels, long defaultMaxOutputTokens) {
			this(defaultPriority, ungovernedModels, defaultMaxOutputTokens, StreamStep.DEFAULT);
		}

		/**
		 * The policy of a governor that is told nothing: the engine's default class,
		 * every model governed, and 4096 output tokens reserved for requests that name no
		 * limit.
		 * @return the policy
		 */
		public static Policy defaults() {
			return new Policy(null, Set.of(), 4096);
		}

	}

	/**
	 * One exchange: its model, its first request and the wait budget all its attempts
	 * share. Attempts run one after another, so it needs no synchronisation beyond the
	 * happens-before of the futures that chain them.
	 */
	private static final class Call {

		private final ModelSpec model;

		private final QuotaRequest first;

		private final long deadline;

		@Nullable
		private QuotaLease handedOver;

		private long arrival;

		private int attempts;

		Call(ModelSpec model, QuotaRequest first, Duration budget, @Nullable QuotaLease handedOver) {
			this.model = model;
			this.first = first;
			this.deadline = System.nanoTime() + budget.toNanos();
			this.handedOver = handedOver;
		}

		ModelSpec model() {
			return this.model;
		}

		QuotaRequest request() {
			return this.first;
		}

		@Nullable
		QuotaLease handedOver() {
			QuotaLease lease = this.handedOver;
			this.handedOver = null;
			return lease;
		}

		void admitted(QuotaLease lease) {
			if (this.attempts++ == 0) {
				this.arrival = lease.arrival();
			}
		}

		/**
		 * The request of the next attempt: the first as it is, a later one with the same
		 * class and arrival as the first and what is left of the wait budget.
		 */
		QuotaRequest nextRequest() {
			if (this.attempts == 0) {
				return this.first;
			}
			Duration left = Duration.ofNanos(Math.max(0, this.deadline - System.nanoTime()));
			return QuotaRequest.builder(this.first.model())
				.priority(this.first.priority())
				.user(this.first.user())
				.tenant(this.first.tenant())
				.inputTokens(this.first.inputTokens())
				.maxOutputTokens(this.first.maxOutputTokens())
				.maxWait(left)
				.arrival(this.arrival)
				.build();
		}

	}

	@FunctionalInterface
	private interface HandBack<R> {

		R get() throws IOException;

	}

	private record Answer<R>(boolean retry, @Nullable HandBack<R> handBack) {

		static <R> Answer<R> again() {
			return new Answer<>(true, null);
		}

		static <R> Answer<R> handingBack(HandBack<R> handBack) {
			return new Answer<>(false, handBack);
		}

	}

}
