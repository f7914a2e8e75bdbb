package io.github.llmquota.autoconfigure;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;

import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.live.LiveChanges;
import io.github.llmquota.live.ShadowDecisions;

/**
 * Auto-configuration for rolling llm-quota out: the record of what shadow mode would have
 * decided, and the {@link LiveChanges} through which operators change pools at runtime
 * (exposed by the llmquota endpoint where {@code llm.quota.rollout.live-changes-enabled}
 * is set).
 */
@AutoConfiguration(after = LlmQuotaAutoConfiguration.class)
@ConditionalOnBean(DefaultQuotaEngine.class)
public class LlmQuotaRolloutAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ShadowDecisions llmQuotaShadowDecisions() {
		return new ShadowDecisions();
	}

	@Bean
	@ConditionalOnMissingBean
	LiveChanges llmQuotaLiveChanges(DefaultQuotaEngine engine, ApplicationEventPublisher publisher) {
		return new LiveChanges(engine, publisher);
	}

}
