package io.github.llmquota.usage;

import java.util.List;

import com.anthropic.core.ObjectMappers;
import com.anthropic.models.beta.messages.BetaCacheCreation;
import com.anthropic.models.beta.messages.BetaContainer;
import com.anthropic.models.beta.messages.BetaContextManagementResponse;
import com.anthropic.models.beta.messages.BetaDiagnostics;
import com.anthropic.models.beta.messages.BetaFallbackCreditUsage;
import com.anthropic.models.beta.messages.BetaMessage;
import com.anthropic.models.beta.messages.BetaOutputTokensDetails;
import com.anthropic.models.beta.messages.BetaRefusalStopDetails;
import com.anthropic.models.beta.messages.BetaServerToolUsage;
import com.anthropic.models.beta.messages.BetaStopReason;
import com.anthropic.models.beta.messages.BetaUsage;
import com.anthropic.models.messages.CacheCreation;
import com.anthropic.models.messages.Container;
import com.anthropic.models.messages.Diagnostics;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.OutputTokensDetails;
import com.anthropic.models.messages.RefusalStopDetails;
import com.anthropic.models.messages.ServerToolUsage;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Usage;
import io.github.llmquota.core.TokenUsage;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link AnthropicUsageExtractor}, against objects of the official Anthropic
 * SDK.
 */
class AnthropicUsageExtractorTests {

	private final AnthropicUsageExtractor extractor = new AnthropicUsageExtractor();

	@Test
	void messageUsageMapsOneToOne() {
		Message message = message(usage(1200, 3000L, 40000L, 512));
		assertThat(this.extractor.extract(message)).contains(new TokenUsage(1200, 3000, 40000, 512));
	}

	@Test
	void absentCacheCountsAreZero() {
		Message message = message(usage(1200, null, null, 512));
		assertThat(this.extractor.extract(message)).contains(TokenUsage.of(1200, 512));
	}

	@Test
	void usageOnItsOwnIsExtracted() {
		assertThat(this.extractor.extract(usage(10, 0L, 5L, 3))).contains(new TokenUsage(10, 0, 5, 3));
	}

	@Test
	void betaMessageUsageMapsOneToOne() {
		BetaMessage message = betaMessage(betaUsage(900, 100L, 2000L, 64));
		assertThat(this.extractor.extract(message)).contains(new TokenUsage(900, 100, 2000, 64));
		assertThat(this.extractor.extract(betaUsage(1, null, null, 2))).contains(TokenUsage.of(1, 2));
	}

	@Test
	void messageWithoutUsageGivesNothing() throws Exception {
		Message message = ObjectMappers.jsonMapper()
			.readValue("{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[]}", Message.class);
		assertThat(this.extractor.extract(message)).isEmpty();
	}

	@Test
	void malformedCountsGiveNothing() throws Exception {
		Message message = ObjectMappers.jsonMapper()
			.readValue("{\"id\":\"msg_01\",\"usage\":{\"input_tokens\":\"many\",\"output_tokens\":3}}", Message.class);
		assertThat(this.extractor.extract(message)).isEmpty();
		assertThat(this.extractor.extract(message(usage(-1, null, null, 3)))).isEmpty();
	}

	@Test
	void otherValuesGiveNothing() {
		assertThat(this.extractor.extract(null)).isEmpty();
		assertThat(this.extractor.extract("a message")).isEmpty();
	}

	private static Message message(Usage usage) {
		return Message.builder()
			.id("msg_01")
			.container((Container) null)
			.content(List.of())
			.diagnostics((Diagnostics) null)
			.model("claude-sonnet-4-5")
			.stopDetails((RefusalStopDetails) null)
			.stopReason(StopReason.END_TURN)
			.stopSequence((String) null)
			.usage(usage)
			.build();
	}

	private static Usage usage(long input, Long cacheCreation, Long cacheRead, long output) {
		return Usage.builder()
			.inputTokens(input)
			.cacheCreationInputTokens(cacheCreation)
			.cacheReadInputTokens(cacheRead)
			.outputTokens(output)
			.cacheCreation((CacheCreation) null)
			.inferenceGeo((String) null)
			.outputTokensDetails((OutputTokensDetails) null)
			.serverToolUse((ServerToolUsage) null)
			.serviceTier((Usage.ServiceTier) null)
			.speed((Usage.Speed) null)
			.build();
	}

	private static BetaMessage betaMessage(BetaUsage usage) {
		return BetaMessage.builder()
			.id("msg_01")
			.container((BetaContainer) null)
			.content(List.of())
			.contextManagement((BetaContextManagementResponse) null)
			.diagnostics((BetaDiagnostics) null)
			.model("claude-sonnet-4-5")
			.stopDetails((BetaRefusalStopDetails) null)
			.stopReason(BetaStopReason.END_TURN)
			.stopSequence((String) null)
			.usage(usage)
			.build();
	}

	private static BetaUsage betaUsage(long input, Long cacheCreation, Long cacheRead, long output) {
		return BetaUsage.builder()
			.inputTokens(input)
			.cacheCreationInputTokens(cacheCreation)
			.cacheReadInputTokens(cacheRead)
			.outputTokens(output)
			.cacheCreation((BetaCacheCreation) null)
			.fallbackCredit((BetaFallbackCreditUsage) null)
			.inferenceGeo((String) null)
			.iterations(List.of())
			.outputTokensDetails((BetaOutputTokensDetails) null)
			.serverToolUse((BetaServerToolUsage) null)
			.serviceTier((BetaUsage.ServiceTier) null)
			.speed((BetaUsage.Speed) null)
			.build();
	}

}
