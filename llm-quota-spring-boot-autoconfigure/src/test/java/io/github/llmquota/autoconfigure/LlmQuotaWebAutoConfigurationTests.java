package io.github.llmquota.autoconfigure;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.llmquota.web.QuotaExceptionHandler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link LlmQuotaWebAutoConfiguration}.
 */
class LlmQuotaWebAutoConfigurationTests {

	private static final AutoConfigurations CONFIGURATIONS = AutoConfigurations.of(LlmQuotaAutoConfiguration.class,
			LlmQuotaWebAutoConfiguration.class);

	private static final String[] MODEL = { "llm.quota.models.gpt-4o.provider=openai",
			"llm.quota.models.gpt-4o.tokens-per-minute=30000" };

	private final WebApplicationContextRunner servlet = new WebApplicationContextRunner()
		.withConfiguration(CONFIGURATIONS)
		.withClassLoader(new FilteredClassLoader("org.springframework.data.redis"))
		.withPropertyValues(MODEL);

	private final ReactiveWebApplicationContextRunner reactive = new ReactiveWebApplicationContextRunner()
		.withConfiguration(CONFIGURATIONS)
		.withClassLoader(new FilteredClassLoader("org.springframework.data.redis"))
		.withPropertyValues(MODEL);

	@Test
	void aServletApplicationAnswersRejectionsWithProblems() {
		this.servlet.run((context) -> assertThat(context).hasSingleBean(QuotaExceptionHandler.class));
	}

	@Test
	void aReactiveApplicationAnswersRejectionsWithProblems() {
		this.reactive.run((context) -> assertThat(context).hasSingleBean(QuotaExceptionHandler.class));
	}

	@Test
	void anApplicationWithoutAWebServerHasNoHandler() {
		new ApplicationContextRunner().withConfiguration(CONFIGURATIONS)
			.withClassLoader(new FilteredClassLoader("org.springframework.data.redis"))
			.withPropertyValues(MODEL)
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(QuotaExceptionHandler.class));
	}

	@Test
	void theSwitchTurnsTheHandlerOffInBothStacks() {
		this.servlet.withPropertyValues("llm.quota.web.problem-details.enabled=false")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(QuotaExceptionHandler.class));
		this.reactive.withPropertyValues("llm.quota.web.problem-details.enabled=false")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(QuotaExceptionHandler.class));
	}

	@Test
	void withoutTheEngineRejectionsAreStillAnswered() {
		this.servlet.withPropertyValues("llm.quota.enabled=false")
			.run((context) -> assertThat(context).hasSingleBean(QuotaExceptionHandler.class));
	}

	@Test
	void anApplicationsOwnHandlerWins() {
		this.servlet.withUserConfiguration(UserHandler.class)
			.run((context) -> assertThat(context).getBean(QuotaExceptionHandler.class)
				.isSameAs(context.getBean(UserHandler.class).handler));
	}

	@Configuration(proxyBeanMethods = false)
	static class UserHandler {

		final QuotaExceptionHandler handler = new QuotaExceptionHandler(null);

		@Bean
		QuotaExceptionHandler userQuotaExceptionHandler() {
			return this.handler;
		}

	}

}
