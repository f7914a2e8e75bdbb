package io.github.llmquota.aop;

import java.lang.reflect.Method;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.function.BiConsumer;

import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.llmquota.aop.RateLimitedMethod.Call;
import io.github.llmquota.attempt.LeaseHandOver;
import io.github.llmquota.attempt.LlmCallContext;
import io.github.llmquota.batch.BatchValve;
import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.ProviderFeedback;
import io.github.llmquota.core.ProviderProfile;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.estimate.TokenEstimator;
import io.github.llmquota.provider.ProviderFeedbackResolver;
import io.github.llmquota.stream.StreamStep;
import io.github.llmquota.usage.UsageExtractor;

import org.springframework.aop.ProxyMethodInvocation;
import org.springframework.aop.interceptor.ExposeInvocationInterceptor;
import org.springframework.aop.support.AopUtils;
import org.springframework.core.MethodClassKey;
import org.springframework.lang.Nullable;
import org.springframework.util.Assert;
import org.springframework.util.ClassUtils;

/**
 * Governs calls of {@link LlmRateLimited} methods: acquires a lease from the
 * {@link QuotaEngine}, invokes the method, and settles the lease to the usage its result
 * reports, or releases it when the method fails. See {@link LlmRateLimited} for what
 * callers see.
 * <p>
 * With a {@code CompletionStage}, {@code Mono} or {@code Flux} return type the wait for
 * admission blocks no thread. When admission is immediate the method is invoked on the
 * calling (or subscribing) thread; after a wait it is invoked on
 * {@link CompletableFuture}'s default asynchronous executor or Reactor's
 * {@code boundedElastic} scheduler, never on a thread of the engine. The round trips to
 * the quota store that ask for admission and settle the lease are made on the thread at
 * hand, as the engine makes them.
 * <p>
 * Thread-safe. Each method's annotation is resolved and its expressions parsed on first
 * use (or earlier by {@link LlmRateLimitedValidator}) and cached.
 */
public class LlmRateLimitedInterceptor implements MethodInterceptor {

	private static final Log logger = LogFactory.getLog(LlmRateLimitedInterceptor.class);

	private static final boolean reactorPresent = ClassUtils.isPresent("reactor.core.publisher.Mono",
			LlmRateLimitedInterceptor.class.getClassLoader());

	private final QuotaEngine engine;

	private final QuotaSettings settings;

	private final TokenEstimator estimator;

	private final UsageExtractor usageExtractor;

	private final List<LlmCallListener> listeners;

	@Nullable
	private final LlmFallbackHandler fallbackHandler;

	private final ProviderFeedbackResolver feedbackResolver;

	@Nullable
	private final ReactorLlmCalls reactor;

	private final Map<MethodClassKey, RateLimitedMethod> methods = new ConcurrentHashMap<>();

	private volatile StreamStep streamStep = StreamStep.DEFAULT;

	@Nullable
	private volatile BatchValve batchValve;

	private volatile Set<String> deferrableClasses = Set.of();

	/**
	 * Create an interceptor.
	 * @param engine the engine that admits calls
	 * @param settings the settings that annotations are checked against
	 * @param estimator estimates the input of calls without an {@code inputTokens}
	 * expression, and is told the input they reported
	 * @param usageExtractor finds the usage in results
	 * @param listeners told of failures and missing usage, in order
	 * @param fallbackHandler runs calls that name a fallback chain, or {@code null} to
	 * send them to the annotated model
	 * @param feedbackResolver reads rate-limit headers and errors in results and failures
	 * @throws IllegalArgumentException if a required argument is {@code null}
	 */
	public LlmRateLimitedInterceptor(QuotaEngine engine, QuotaSettings settings, TokenEstimator estimator,
			UsageExtractor usageExtractor, List<? extends LlmCallListener> listeners,
			@Nullable LlmFallbackHandler fallbackHandler, ProviderFeedbackResolver feedbackResolver) {
		Assert.notNull(engine, "'engine' must not be null");
		Assert.notNull(settings, "'settings' must not be null");
		Assert.notNull(estimator, "'estimator' must not be null");
		Assert.notNull(usageExtractor, "'usageExtractor' must not be null");
		Assert.noNullElements(listeners, "'listeners' must not be null or contain null elements");
		Assert.notNull(feedbackResolver, "'feedbackResolver' must not be null");
		this.engine = engine;
		this.settings = settings;
		this.estimator = estimator;
		this.usageExtractor = usageExtractor;
		this.listeners = List.copyOf(listeners);
		this.fallbackHandler = fallbackHandler;
		this.feedbackResolver = feedbackResolver;
		this.reactor = reactorPresent ? new ReactorLlmCalls(engine, this) : null;
	}

	/**
	 * Set how often a method that returns a {@code Flux} charges its lease as its
	 * elements arrive.
	 * @param streamStep the step
	 */
	public void setStreamStep(StreamStep streamStep) {
		Assert.notNull(streamStep, "'streamStep' must not be null");
		this.streamStep = streamStep;
	}

	StreamStep streamStep() {
		return this.streamStep;
	}

	/**
	 * Set the valve that sends the calls of deferrable methods to the provider's batch
	 * API under pressure. Without one, deferrable methods are called as usual.
	 * @param batchValve the valve
	 */
	public void setBatchValve(BatchValve batchValve) {
		Assert.notNull(batchValve, "'batchValve' must not be null");
		this.batchValve = batchValve;
	}

	/**
	 * Set the priority classes whose batchable methods are deferrable, before the first
	 * method is resolved.
	 * @param deferrableClasses the priority class names
	 */
	public void setDeferrableClasses(Collection<String> deferrableClasses) {
		Assert.noNullElements(deferrableClasses, "'deferrableClasses' must not contain null elements");
		this.deferrableClasses = Set.copyOf(deferrableClasses);
	}

	ProviderProfile profile(Call call) {
		return ProviderProfile.of(this.settings.model(call.request().model()).pool().provider());
	}

	@Override
	@Nullable
	public Object invoke(MethodInvocation invocation) throws Throwable {
		Object target = invocation.getThis();
		Class<?> targetClass = (target != null) ? AopUtils.getTargetClass(target)
				: invocation.getMethod().getDeclaringClass();
		RateLimitedMethod method = rateLimitedMethod(invocation.getMethod(), targetClass);
		if (method == null) {
			return invocation.proceed();
		}
		BatchValve valve = this.batchValve;
		if (method.batchable() != null && valve != null) {
			return deferrable(invocation, method, valve);
		}
		return direct(invocation, method);
	}

	// The request argument goes to the batch API under pressure, else the call is direct.
	private Object deferrable(MethodInvocation invocation, RateLimitedMethod method, BatchValve valve) {
		BatchableMethod batchable = method.batchable();
		QuotaRequest request = method
			.call(invocation.getArguments().clone(), method.model(), this.settings, this.estimator)
			.request();
		String body = batchable.body(invocation.getArguments());
		if (method.returnKind() == ReturnKind.MONO) {
			return reactor().deferrable(valve, request, body, batchable, () -> direct(invocation, method));
		}
		return valve.callAsync(request, body, batchable::decode, () -> {
			try {
				return (CompletionStage<Object>) direct(invocation, method);
			}
			catch (Throwable ex) {
				return CompletableFuture.failedFuture(ex);
			}
		});
	}

	/**
	 * A direct call of a governed method.
	 */
	@FunctionalInterface
	interface DirectCall {

		@Nullable
		Object call() throws Throwable;

	}

	@Nullable
	private Object direct(MethodInvocation invocation, RateLimitedMethod method) throws Throwable {
		if (method.fallback() != null && this.fallbackHandler != null) {
			return this.fallbackHandler.invoke(method.fallback(), method.model(),
					new MethodAttempt(invocation, method));
		}
		return govern(invocation, method, method.model());
	}

	/**
	 * Runs of one invocation for the models a fallback handler chooses, each on its own
	 * copy of the invocation.
	 */
	private final class MethodAttempt implements LlmFallbackHandler.Attempt {

		private final MethodInvocation invocation;

		private final RateLimitedMethod method;

		MethodAttempt(MethodInvocation invocation, RateLimitedMethod method) {
			this.invocation = invocation;
			this.method = method;
		}

		@Override
		@Nullable
		public Object call(String model) throws Throwable {
			return govern(copy(this.invocation), this.method, model);
		}

		@Override
		public ReturnKind returnKind() {
			return this.method.returnKind();
		}

		@Override
		public QuotaRequest request(String model) {
			return this.method
				.call(this.invocation.getArguments().clone(), model, LlmRateLimitedInterceptor.this.settings,
						LlmRateLimitedInterceptor.this.estimator)
				.request();
		}

		@Override
		@Nullable
		public Object call(String model, QuotaLease lease) throws Throwable {
			MethodInvocation copy = copy(this.invocation);
			Call call = this.method.call(copy.getArguments(), model, LlmRateLimitedInterceptor.this.settings,
					LlmRateLimitedInterceptor.this.estimator);
			return switch (this.method.returnKind()) {
				case PLAIN -> proceedBlocking(copy, call, lease);
				case COMPLETION_STAGE -> {
					CompletableFuture<Object> result = new CompletableFuture<>();
					proceedAsync(copy, call, lease, result);
					yield result;
				}
				case MONO -> reactor().mono(copy, call, lease);
				case FLUX -> reactor().flux(copy, call, lease);
			};
		}

	}

	/**
	 * Resolve, check and cache what the annotation asks of a method.
	 * @param method the method
	 * @param targetClass the class of the bean
	 * @return the method, or {@code null} when it is not governed
	 * @throws IllegalArgumentException if an attribute is invalid
	 */
	@Nullable
	RateLimitedMethod rateLimitedMethod(Method method, Class<?> targetClass) {
		MethodClassKey key = new MethodClassKey(method, targetClass);
		RateLimitedMethod cached = this.methods.get(key);
		if (cached == null) {
			cached = RateLimitedMethod.of(method, targetClass, this.settings, this.deferrableClasses);
			if (cached != null) {
				this.methods.putIfAbsent(key, cached);
			}
		}
		return cached;
	}

	@Nullable
	private Object govern(MethodInvocation invocation, RateLimitedMethod method, String model) throws Throwable {
		Call call = method.call(invocation.getArguments(), model, this.settings, this.estimator);
		return switch (method.returnKind()) {
			case PLAIN -> invokeBlocking(invocation, call);
			case COMPLETION_STAGE -> invokeAsync(invocation, call);
			case MONO -> reactor().mono(invocation, call);
			case FLUX -> reactor().flux(invocation, call);
		};
	}

	@Nullable
	private Object invokeBlocking(MethodInvocation invocation, Call call) throws Throwable {
		return proceedBlocking(invocation, call, this.engine.acquire(call.request()));
	}

	@Nullable
	private Object proceedBlocking(MethodInvocation invocation, Call call, QuotaLease lease) throws Throwable {
		LeaseHandOver handOver = LeaseHandOver.of(lease);
		Object result;
		try (LlmCallContext.Scope scope = callContext(call, handOver).open()) {
			result = proceed(invocation);
		}
		catch (Throwable ex) {
			if (handOver.reclaim()) {
				failed(lease, ex);
			}
			throw ex;
		}
		if (handOver.reclaim()) {
			settle(call, lease, usage(call, result), result);
		}
		return result;
	}

	/**
	 * The context the method runs in: its priority, user and wait budget for the provider
	 * attempts it makes through the attempt governor, and its lease, which the first
	 * attempt to the same model takes over instead of being admitted a second time.
	 * Whoever ends the call reclaims the lease first and leaves it alone when an attempt
	 * took it.
	 * @param call the call
	 * @param handOver the call's lease, offered to its first attempt
	 * @return the context
	 */
	static LlmCallContext callContext(Call call, LeaseHandOver handOver) {
		QuotaRequest request = call.request();
		return LlmCallContext.priority(request.priority())
			.user(request.user())
			.tenant(request.tenant())
			.maxWait(request.maxWait())
			.build()
			.withHandOver(handOver);
	}

	private CompletableFuture<Object> invokeAsync(MethodInvocation invocation, Call call) {
		CompletableFuture<QuotaLease> admission = this.engine.acquireAsync(call.request());
		CompletableFuture<Object> result = new CompletableFuture<>();
		BiConsumer<QuotaLease, Throwable> admitted = (lease, rejection) -> {
			if (rejection != null) {
				result.completeExceptionally(rejection);
			}
			else if (result.isDone()) {
				// The caller cancelled as admission was granted: the call is never made.
				lease.release(CallOutcome.NOT_SENT);
			}
			else {
				proceedAsync(invocation, call, lease, result);
			}
		};
		if (admission.isDone()) {
			admission.whenComplete(admitted);
		}
		else {
			admission.whenCompleteAsync(admitted);
		}
		result.whenComplete((value, failure) -> {
			if (result.isCancelled()) {
				admission.cancel(false);
			}
		});
		return result;
	}

	private void proceedAsync(MethodInvocation invocation, Call call, QuotaLease lease,
			CompletableFuture<Object> result) {
		LeaseHandOver handOver = LeaseHandOver.of(lease);
		CompletionStage<?> stage;
		try (LlmCallContext.Scope scope = callContext(call, handOver).open()) {
			stage = (CompletionStage<?>) proceed(invocation);
			Assert.state(stage != null, () -> call.method() + " returned null instead of a CompletionStage");
		}
		catch (Throwable ex) {
			if (handOver.reclaim()) {
				failed(lease, ex);
			}
			result.completeExceptionally(ex);
			return;
		}
		stage.whenComplete((value, failure) -> {
			if (result.isCancelled()) {
				return;
			}
			if (failure != null) {
				if (handOver.reclaim()) {
					failed(lease, failure);
				}
				result.completeExceptionally(failure);
			}
			else {
				if (handOver.reclaim()) {
					settle(call, lease, usage(call, value), value);
				}
				result.complete(value);
			}
		});
		result.whenComplete((value, failure) -> {
			if (result.isCancelled()) {
				if (handOver.reclaim()) {
					lease.release(CallOutcome.FAILED);
				}
				if (stage instanceof Future<?> future) {
					future.cancel(false);
				}
			}
		});
	}

	private ReactorLlmCalls reactor() {
		Assert.state(this.reactor != null, "Reactor is not on the classpath");
		return this.reactor;
	}

	/**
	 * Find the usage in a result without ever failing the call.
	 * @param call the call
	 * @param result the result, or one element of a stream
	 * @return the usage, or {@code null}
	 */
	@Nullable
	TokenUsage usage(Call call, @Nullable Object result) {
		try {
			Optional<TokenUsage> usage = call.method().usage(call, result, this.usageExtractor);
			return usage.orElse(null);
		}
		catch (RuntimeException ex) {
			if (call.method().firstUsageFailure()) {
				logger.warn("llm-quota could not find the usage in the result of " + call.method()
						+ "; such calls settle at what they reserved: " + ex, ex);
			}
			return null;
		}
	}

	/**
	 * End the lease of a call that completed, at the usage it reported or, without one,
	 * at what it reserved, with whatever its result says about the provider's limits.
	 * @param call the call
	 * @param lease its lease
	 * @param usage the usage, or {@code null}
	 * @param result what the call returned (or the last element of a stream), for
	 * feedback
	 */
	void settle(Call call, QuotaLease lease, @Nullable TokenUsage usage, @Nullable Object result) {
		QuotaRequest request = call.request();
		ProviderFeedback feedback = feedback(lease, result);
		if (usage == null) {
			safely(() -> lease.settle(TokenUsage.of(request.inputTokens(), request.maxOutputTokens()), feedback),
					"settle lease " + lease.id());
			this.listeners.forEach((listener) -> safely(() -> listener.onUsageMissing(lease),
					"tell " + listener + " of missing usage"));
			return;
		}
		safely(() -> lease.settle(usage, feedback), "settle lease " + lease.id());
		if (call.estimated()) {
			safely(() -> this.estimator.recordActual(request.model(), request.inputTokens(), usage.totalInputTokens()),
					"calibrate the token estimator");
		}
	}

	/**
	 * End the lease of a call whose method failed, after telling the listeners, with what
	 * the failure says about the provider's limits (a 429 cools the pool down
	 * fleet-wide).
	 * @param lease the lease
	 * @param failure what the method threw
	 */
	void failed(QuotaLease lease, Throwable failure) {
		Throwable cause = (failure instanceof CompletionException && failure.getCause() != null) ? failure.getCause()
				: failure;
		this.listeners.forEach(
				(listener) -> safely(() -> listener.onFailure(lease, cause), "tell " + listener + " of a failure"));
		ProviderFeedback feedback = feedback(lease, cause);
		safely(() -> lease.release(CallOutcome.FAILED, feedback), "release lease " + lease.id());
	}

	private ProviderFeedback feedback(QuotaLease lease, @Nullable Object resultOrFailure) {
		try {
			PoolSpec pool = this.settings.model(lease.model()).pool();
			return this.feedbackResolver.resolve(pool.name(), pool.provider(), resultOrFailure);
		}
		catch (RuntimeException ex) {
			return ProviderFeedback.none();
		}
	}

	private void safely(Runnable action, String what) {
		try {
			action.run();
		}
		catch (RuntimeException ex) {
			logger.warn("llm-quota could not " + what + ": " + ex, ex);
		}
	}

	/**
	 * Proceed with an invocation, also on another thread or after the proxy call
	 * returned: AspectJ advice further down the chain finds its join point through the
	 * invocation exposed to the current thread, which is then missing or another one.
	 * @param invocation the invocation
	 * @return what the rest of the chain returned
	 * @throws Throwable what the rest of the chain threw
	 */
	@Nullable
	static Object proceed(MethodInvocation invocation) throws Throwable {
		return ExposeInvocationInterceptor.INSTANCE.invoke(invocation);
	}

	/**
	 * Copy an invocation, so that it can proceed again.
	 * @param invocation the invocation
	 * @return a copy with its own arguments
	 */
	static MethodInvocation copy(MethodInvocation invocation) {
		Assert.state(invocation instanceof ProxyMethodInvocation,
				() -> "Cannot invoke " + invocation.getMethod() + " more than once outside a Spring AOP proxy");
		return ((ProxyMethodInvocation) invocation).invocableClone();
	}

}
