package io.github.llmquota.aop;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Clock;
import java.util.List;

import org.aopalliance.intercept.MethodInterceptor;
import org.junit.jupiter.api.Test;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.provider.ProviderFeedbackParser;
import io.github.llmquota.provider.ProviderFeedbackResolver;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.estimate.DefaultTokenEstimator;
import io.github.llmquota.estimate.TokenEstimator;
import io.github.llmquota.local.InMemoryQuotaStore;
import io.github.llmquota.test.TestSettings;
import io.github.llmquota.testsupport.IsolatingClassLoader;
import io.github.llmquota.usage.LlmUsageExtractor;
import io.github.llmquota.usage.UsageExtractor;

import org.springframework.aop.framework.ProxyFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests that the advisor's runtime loads and governs calls without its optional
 * libraries.
 */
class LlmRateLimitedIsolationTests {

	@Test
	void governsPlainCallsWithoutReactorOrMicrometerOnTheClasspath() throws Exception {
		ClassLoader classLoader = new IsolatingClassLoader("io.github.llmquota.aop", "reactor", "org.reactivestreams",
				"io.micrometer");
		QuotaSettings settings = TestSettings.pool("isolated")
			.limit(Dimension.REQUESTS_PER_MINUTE, 1)
			.noReserves()
			.build();
		try (DefaultQuotaEngine engine = new DefaultQuotaEngine(settings, new InMemoryQuotaStore(settings))) {
			MethodInterceptor interceptor = (MethodInterceptor) classLoader
				.loadClass(LlmRateLimitedInterceptor.class.getName())
				.getConstructor(QuotaEngine.class, QuotaSettings.class, TokenEstimator.class, UsageExtractor.class,
						List.class, classLoader.loadClass(LlmFallbackHandler.class.getName()),
						ProviderFeedbackResolver.class)
				.newInstance(engine, settings, new DefaultTokenEstimator(), new LlmUsageExtractor(), List.of(), null,
						new ProviderFeedbackResolver(List.of(), new ProviderFeedbackParser(), Clock.systemUTC()));
			ProxyFactory proxyFactory = new ProxyFactory(
					classLoader.loadClass(Chat.class.getName()).getDeclaredConstructor().newInstance());
			proxyFactory.addAdvice(interceptor);
			Object chat = proxyFactory.getProxy(classLoader);
			Method ask = chat.getClass().getMethod("ask");

			assertThat(ask.invoke(chat)).isEqualTo("answer");
			// The pool's one request per minute is spent.
			assertThatExceptionOfType(InvocationTargetException.class).isThrownBy(() -> ask.invoke(chat))
				.withCauseInstanceOf(QuotaRejectedException.class);
		}
	}

	public static class Chat {

		@LlmRateLimited(model = "model", maxWait = "0s")
		public String ask() {
			return "answer";
		}

	}

}
