package io.github.llmquota.actuate.metrics;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

import io.github.llmquota.core.Provider;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.engine.ModelSpec;
import io.github.llmquota.engine.PoolFeedback;
import io.github.llmquota.engine.QuotaEngineListener;

/**
 * Records the token usage of every settled call as {@code gen_ai.client.token.usage},
 * named and tagged by the OpenTelemetry GenAI semantic conventions, so that dashboards
 * built for those conventions work for applications that call providers through llm-quota
 * and have no other GenAI instrumentation.
 * <p>
 * It sits alongside such instrumentation rather than competing with it: two sources of
 * one meter would count every token twice, and Spring AI registers the same name as a
 * counter, which a registry cannot hold next to a distribution summary. So the
 * auto-configuration leaves it out when Spring AI's chat model metrics are present, and
 * {@code llm.quota.metrics.gen-ai-token-usage.enabled=false} leaves it out for any other
 * source, such as an OpenTelemetry agent. llm-quota's own token counters
 * ({@link LlmQuotaMetricNames#TOKENS_ACTUAL}) are unaffected either way.
 * <p>
 * Input tokens are every prompt token the provider reported, cached or not, as the
 * conventions count them.
 */
public class GenAiTokenUsageListener implements QuotaEngineListener {

	private final Meter.MeterProvider<DistributionSummary> usage;

	/**
	 * Create a listener that registers its meters in a registry as they are first needed.
	 * @param registry the registry
	 */
	public GenAiTokenUsageListener(MeterRegistry registry) {
		this.usage = DistributionSummary.builder(LlmQuotaMetricNames.GEN_AI_CLIENT_TOKEN_USAGE)
			.description("Measures number of input and output tokens used")
			.baseUnit("tokens")
			.withRegistry(registry);
	}

	@Override
	public void ended(ModelSpec model, QuotaRequest request, TokenUsage usage, PoolFeedback.Kind feedback) {
		if (usage == null) {
			return;
		}
		String system = system(model.pool().provider());
		record("input", model.name(), system, usage.totalInputTokens());
		record("output", model.name(), system, usage.outputTokens());
	}

	private void record(String type, String model, String system, long tokens) {
		this.usage
			.withTags(LlmQuotaMetricNames.GEN_AI_TOKEN_TYPE, type, LlmQuotaMetricNames.GEN_AI_REQUEST_MODEL, model,
					LlmQuotaMetricNames.GEN_AI_SYSTEM, system)
			.record(tokens);
	}

	/**
	 * Return the {@code gen_ai.system} value of a provider, as the GenAI conventions list
	 * it.
	 * @param provider the provider
	 * @return the value; {@code _OTHER} for a provider the conventions do not list
	 */
	static String system(Provider provider) {
		return switch (provider) {
			case ANTHROPIC -> "anthropic";
			case OPENAI -> "openai";
			case AZURE_OPENAI -> "az.ai.openai";
			case GEMINI -> "gcp.gemini";
			case BEDROCK -> "aws.bedrock";
			case GROQ -> "groq";
			case MISTRAL -> "mistral_ai";
			case DEEPSEEK -> "deepseek";
			case COHERE -> "cohere";
			case OTHER -> "_OTHER";
		};
	}

}
