package io.github.llmquota.autoconfigure;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.http.ProblemDetail;

import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.web.QuotaExceptionHandler;

/**
 * Auto-configuration for the caller-facing quota contract: a
 * {@link QuotaExceptionHandler} in servlet and reactive web applications. One advice
 * serves both stacks, since {@code @ExceptionHandler} methods that return a
 * {@code ResponseEntity<ProblemDetail>} mean the same in Spring MVC and WebFlux. Without
 * an engine (llm.quota.enabled=false) it still answers rejections, only without RateLimit
 * fields.
 */
@AutoConfiguration(after = LlmQuotaAutoConfiguration.class)
@ConditionalOnWebApplication
@ConditionalOnClass(ProblemDetail.class)
@ConditionalOnProperty(prefix = "llm.quota.web.problem-details", name = "enabled", matchIfMissing = true)
public class LlmQuotaWebAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	QuotaExceptionHandler llmQuotaExceptionHandler(ObjectProvider<QuotaEngine> engine) {
		return new QuotaExceptionHandler(engine.getIfUnique());
	}

}
