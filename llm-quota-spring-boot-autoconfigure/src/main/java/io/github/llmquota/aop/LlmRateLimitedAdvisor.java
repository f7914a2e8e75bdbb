package io.github.llmquota.aop;

import java.lang.reflect.Method;
import java.util.function.Supplier;

import org.aopalliance.aop.Advice;
import org.aopalliance.intercept.MethodInterceptor;

import org.springframework.aop.Pointcut;
import org.springframework.aop.support.AbstractPointcutAdvisor;
import org.springframework.aop.support.StaticMethodMatcherPointcut;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.util.Assert;
import org.springframework.util.function.SingletonSupplier;

/**
 * Applies an interceptor, normally a {@link LlmRateLimitedInterceptor}, to the methods
 * that {@link LlmRateLimited} governs: public instance methods that carry it or whose
 * declaring type does. As a bean with {@code ROLE_INFRASTRUCTURE}, as the
 * auto-configuration declares it, it is applied by Spring Boot's auto-proxy creator with
 * or without AspectJ.
 * <p>
 * <strong>Order.</strong> The {@link #DEFAULT_ORDER} puts llm-quota inside every
 * Resilience4j aspect but the Bulkhead, so that a Retry asks for quota again on each
 * attempt, an open CircuitBreaker or a RateLimiter rejects a call before it takes quota,
 * and a TimeLimiter's timeout includes the wait for quota; and outside
 * {@code @Transactional} and {@code @Cacheable} (both {@link Ordered#LOWEST_PRECEDENCE}),
 * so that quota is acquired before a transaction opens. A cache hit therefore still takes
 * quota, unless the cache is moved outside, for example with
 * {@code @EnableCaching(order = ...)}.
 * <p>
 * Thread-safe.
 */
public class LlmRateLimitedAdvisor extends AbstractPointcutAdvisor {

	/**
	 * The default order, {@code Ordered.LOWEST_PRECEDENCE - 1}. Resilience4j's aspects
	 * default to {@code LOWEST_PRECEDENCE - 5} (Retry) through {@code - 2} (TimeLimiter),
	 * which run first; its Bulkhead has the same order, so which of the two runs first is
	 * not defined.
	 */
	public static final int DEFAULT_ORDER = Ordered.LOWEST_PRECEDENCE - 1;

	private final Pointcut pointcut = new LlmRateLimitedPointcut();

	private final MethodInterceptor advice;

	/**
	 * Create an advisor that resolves its interceptor when a governed method is first
	 * called. Auto-proxy creators instantiate advisors while bean post-processors are
	 * still being registered; resolving the interceptor (and with it the engine, Redis
	 * and meters) only then keeps those beans from being created too early to be
	 * post-processed.
	 * @param interceptor supplies the interceptor, once
	 * @throws IllegalArgumentException if {@code interceptor} is {@code null}
	 */
	public LlmRateLimitedAdvisor(Supplier<? extends MethodInterceptor> interceptor) {
		Assert.notNull(interceptor, "'interceptor' must not be null");
		SingletonSupplier<MethodInterceptor> resolved = SingletonSupplier.of(interceptor::get);
		this.advice = (invocation) -> resolved.obtain().invoke(invocation);
		setOrder(DEFAULT_ORDER);
	}

	@Override
	public Pointcut getPointcut() {
		return this.pointcut;
	}

	@Override
	public Advice getAdvice() {
		return this.advice;
	}

	private static final class LlmRateLimitedPointcut extends StaticMethodMatcherPointcut {

		LlmRateLimitedPointcut() {
			setClassFilter((type) -> AnnotationUtils.isCandidateClass(type, LlmRateLimited.class));
		}

		@Override
		public boolean matches(Method method, Class<?> targetClass) {
			return RateLimitedMethod.isGoverned(method, targetClass);
		}

	}

}
