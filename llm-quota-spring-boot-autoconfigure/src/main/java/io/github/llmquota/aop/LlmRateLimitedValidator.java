package io.github.llmquota.aop;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;

import org.springframework.aop.Advisor;
import org.springframework.aop.framework.Advised;
import org.springframework.aop.framework.autoproxy.AutoProxyUtils;
import org.springframework.aop.scope.ScopedProxyUtils;
import org.springframework.beans.factory.BeanInitializationException;
import org.springframework.beans.factory.FactoryBean;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.util.Assert;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Checks every {@link LlmRateLimited} method of the application's beans once all
 * singletons exist, so that a mistake stops startup instead of failing calls later: an
 * unknown model or priority class, an expression or duration that cannot be parsed, a
 * misplaced {@link LlmModel}, an unsupported return type, an annotated method that a
 * proxy cannot intercept, and a singleton that was not proxied with the advisor at all
 * (for example because no auto-proxy creator runs), whose calls would silently go
 * ungoverned. Each failure names the bean, the method and the attribute.
 * <p>
 * The parsed methods are kept by the interceptor, so that calls do not parse them again.
 */
public class LlmRateLimitedValidator implements SmartInitializingSingleton {

	private final ConfigurableListableBeanFactory beanFactory;

	private final Advisor advisor;

	private final LlmRateLimitedInterceptor interceptor;

	/**
	 * Create a validator.
	 * @param beanFactory the bean factory whose beans are checked
	 * @param advisor the advisor that governed beans must be proxied with
	 * @param interceptor the interceptor that parses and keeps the methods
	 * @throws IllegalArgumentException if an argument is {@code null}
	 */
	public LlmRateLimitedValidator(ConfigurableListableBeanFactory beanFactory, Advisor advisor,
			LlmRateLimitedInterceptor interceptor) {
		Assert.notNull(beanFactory, "'beanFactory' must not be null");
		Assert.notNull(advisor, "'advisor' must not be null");
		Assert.notNull(interceptor, "'interceptor' must not be null");
		this.beanFactory = beanFactory;
		this.advisor = advisor;
		this.interceptor = interceptor;
	}

	/**
	 * Check every bean.
	 * @throws BeanInitializationException on the first mistake found
	 */
	@Override
	public void afterSingletonsInstantiated() {
		for (String beanName : this.beanFactory.getBeanDefinitionNames()) {
			if (ScopedProxyUtils.isScopedTarget(beanName)) {
				continue;
			}
			Class<?> type;
			try {
				type = AutoProxyUtils.determineTargetClass(this.beanFactory, beanName);
			}
			catch (Throwable ex) {
				// A bean whose type cannot be resolved yet, such as a lazy one: its
				// methods are checked on their first call instead.
				continue;
			}
			if (type != null && AnnotationUtils.isCandidateClass(type, LlmRateLimited.class)) {
				validate(beanName, ClassUtils.getUserClass(type));
			}
		}
	}

	private void validate(String beanName, Class<?> type) {
		boolean governed = false;
		for (Method method : ReflectionUtils.getUniqueDeclaredMethods(type, ReflectionUtils.USER_DECLARED_METHODS)) {
			if (AnnotatedElementUtils.hasAnnotation(method, LlmRateLimited.class) && !isInterceptable(method)) {
				throw failure(beanName,
						"@LlmRateLimited method " + ClassUtils.getShortName(type) + "." + method.getName()
								+ " cannot be intercepted by a proxy: it must be public, not static "
								+ "and not final");
			}
			try {
				governed |= this.interceptor.rateLimitedMethod(method, type) != null;
			}
			catch (IllegalArgumentException ex) {
				throw failure(beanName, ex.getMessage());
			}
		}
		if (governed && this.beanFactory.containsSingleton(beanName)) {
			Object bean = this.beanFactory.getSingleton(beanName);
			if (!(bean instanceof FactoryBean) && !isAdvised(bean)) {
				throw failure(beanName,
						"it has @LlmRateLimited methods but was not proxied with the llm-quota "
								+ "advisor, so its calls would not be rate limited. Proxies are made by an auto-proxy "
								+ "creator: keep spring.aop.auto enabled (the default), and do not make the bean a "
								+ "dependency of a BeanPostProcessor, which creates it before proxies can be made");
			}
		}
	}

	private boolean isAdvised(Object bean) {
		return bean instanceof Advised advised && Arrays.asList(advised.getAdvisors()).contains(this.advisor);
	}

	private static boolean isInterceptable(Method method) {
		int modifiers = method.getModifiers();
		return Modifier.isPublic(modifiers) && !Modifier.isStatic(modifiers) && !Modifier.isFinal(modifiers);
	}

	private static BeanInitializationException failure(String beanName, String problem) {
		return new BeanInitializationException("Bean '" + beanName + "': " + problem);
	}

}
