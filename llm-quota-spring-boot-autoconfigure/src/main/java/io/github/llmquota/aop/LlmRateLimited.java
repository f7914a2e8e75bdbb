package io.github.llmquota.aop;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.core.annotation.AliasFor;

/**
 * Governs every call of a method by the quota of a model: the call waits for admission
 * before the method runs, and its lease is settled to the usage the method's result
 * reports once it is done.
 * <p>
 * On a type, the annotation applies to every public method the type declares; on a
 * method, each attribute it sets overrides the type's, so a type can name the model and
 * its methods only what differs. As with {@code @Transactional}, only calls through the
 * Spring proxy are governed: a call from one method of the bean to another is not.
 * <p>
 * <strong>Return types.</strong> A method may return a plain value (it is invoked on the
 * calling thread, which blocks while it waits, a virtual thread included), a
 * {@link java.util.concurrent.CompletableFuture} or
 * {@link java.util.concurrent.CompletionStage} (the wait blocks no thread; the returned
 * future completes as the method's does, or exceptionally with a rejection or with what
 * the method throws), or, with Reactor on the classpath, a {@code Mono} or {@code Flux}
 * (each subscription waits without blocking, then invokes the method). After a wait,
 * these are invoked on another thread ({@code CompletableFuture}'s default asynchronous
 * executor or Reactor's {@code boundedElastic} scheduler), which does not carry the
 * caller's thread-local state. Other asynchronous types are refused at startup.
 * <p>
 * <strong>Outcomes.</strong> A rejection by the quota engine propagates as the engine's
 * {@link io.github.llmquota.core.QuotaRejectedException}, and the method is not invoked.
 * A method that fails has its lease released as
 * {@link io.github.llmquota.core.CallOutcome#FAILED} and its exception propagates
 * unchanged. A result that reports no usage settles the lease at what was reserved, so an
 * unknown cost is never under-counted.
 * <p>
 * <strong>Expressions.</strong> {@link #inputTokens()}, {@link #maxOutputTokens()},
 * {@link #user()}, {@link #tenant()} and {@link #usage()} are SpEL expressions over the
 * method's arguments, which are available by name ({@code #prompt}, when compiled with
 * {@code -parameters} as Spring Boot's build plugins configure) and by position
 * ({@code #p0} or {@code #a0}). Expressions are parsed once. Attributes are checked
 * against {@code llm.quota.*} at startup for every bean that is created then, so an
 * unknown model or priority class, or an unparsable expression or duration, stops the
 * application with a message that names the bean, the method and the attribute; methods
 * of beans created later are checked on their first call.
 *
 * @see LlmModel
 */
@Target({ ElementType.METHOD, ElementType.TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface LlmRateLimited {

	/**
	 * Alias for {@link #model()}.
	 * @return the model name
	 */
	@AliasFor("model")
	String value() default "";

	/**
	 * The model the call goes to: a key of {@code llm.quota.models}. Required, on the
	 * method or on its type.
	 * @return the model name
	 */
	@AliasFor("value")
	String model() default "";

	/**
	 * The priority class of the call, one of {@code llm.quota.priority-classes}, such as
	 * {@link io.github.llmquota.core.Priority#INTERACTIVE}. Empty means
	 * {@code llm.quota.default-priority}.
	 * @return the priority class name
	 */
	String priority() default "";

	/**
	 * SpEL expression for the prompt size in tokens, cached tokens included, evaluated to
	 * a number of at least 0 (fractions are rounded up). Empty means the application's
	 * {@link io.github.llmquota.estimate.TokenEstimator} estimates it from the arguments,
	 * and learns from the usage each call reports.
	 * @return the expression
	 */
	String inputTokens() default "";

	/**
	 * The most output the call can produce, its {@code max_tokens}: a whole number such
	 * as {@code "1024"}, or a SpEL expression evaluated to a number of at least 0. It is
	 * reserved up front and refunded as far as the call used less. Empty reserves no
	 * output, so output is charged only once the call reports it, and concurrent calls
	 * can overshoot an output-token limit.
	 * @return the constant or expression
	 */
	String maxOutputTokens() default "";

	/**
	 * SpEL expression for the end user the call is made for, used only for per-user
	 * quotas. Its value is converted to a string; {@code null} means no user. Empty means
	 * no user.
	 * @return the expression
	 */
	String user() default "";

	/**
	 * SpEL expression for the tenant (customer, team) the call is made for, used only
	 * where {@code llm.quota.tenants.enabled} shares each priority class between tenants
	 * by weight. Its value is converted to a string; {@code null} means no tenant. Empty
	 * means no tenant.
	 * @return the expression
	 */
	String tenant() default "";

	/**
	 * How long the call may wait for admission, as {@code "5s"}, {@code "500ms"} or
	 * {@code "PT5S"}; {@code "0s"} means admit at once or reject. Empty means the
	 * priority class's {@code max-wait}.
	 * @return the wait budget
	 */
	String maxWait() default "";

	/**
	 * SpEL expression that finds the usage in a result the
	 * {@link io.github.llmquota.usage.UsageExtractor} does not understand as a whole. The
	 * result is {@code #result} (for a {@code CompletionStage} or {@code Mono}, the value
	 * it completes with; for a {@code Flux}, each element) and the arguments are
	 * available too. The expression may evaluate to a
	 * {@link io.github.llmquota.core.TokenUsage}, to anything the extractor understands,
	 * or to {@code null} for no usage. Empty means the extractor is given the result
	 * itself. An expression that fails counts as no usage; it never fails the call.
	 * @return the expression
	 */
	String usage() default "";

	/**
	 * Name of the fallback chain that picks other models when this one cannot serve the
	 * call, resolved by an {@link LlmFallbackHandler} when one is configured. Without one
	 * the call always goes to {@link #model()}. Every return type falls back, and the
	 * asynchronous ones without blocking a thread; a {@code Flux} only before its first
	 * element, since after it another model would duplicate output the subscriber already
	 * has, so a later error propagates as it is.
	 * @return the fallback chain name
	 */
	String fallback() default "";

	/**
	 * Whether calls may go to the provider's batch API (half price, results within 24
	 * hours) instead of waiting while the model's pool is under pressure, through the
	 * {@link io.github.llmquota.batch.BatchValve} ({@code llm.quota.batch.enabled}).
	 * Priority classes listed in {@code llm.quota.batch.deferrable-classes} make their
	 * methods deferrable too. {@code true} on the method or on its type makes it
	 * deferrable.
	 * <p>
	 * A deferrable method is batchable by the SDKs' types: it takes the provider's
	 * request parameters as one argument ({@code MessageCreateParams} for an Anthropic
	 * model, {@code ChatCompletionCreateParams} for an OpenAI one) and returns a
	 * {@code CompletableFuture}, {@code CompletionStage} or {@code Mono} of the
	 * provider's response ({@code Message}, {@code ChatCompletion}): a deferred result
	 * comes within hours, and no thread should block for it. A method marked deferrable
	 * here that is not batchable stops startup with a message that names it.
	 * <p>
	 * A deferred call does not invoke the method: the valve sends its request argument to
	 * the batch API, and the returned future or {@code Mono} completes with the batch's
	 * response, or fails with a {@link io.github.llmquota.batch.DeferredCallException}
	 * when the batch errored, expired or was cancelled. Without pressure the method is
	 * called, governed as usual (its fallback chain included), and a call shed or out of
	 * its wait budget is deferred then. Without a batch valve, deferrable methods are
	 * called as usual.
	 * @return whether calls may be deferred
	 */
	boolean deferrable() default false;

}
