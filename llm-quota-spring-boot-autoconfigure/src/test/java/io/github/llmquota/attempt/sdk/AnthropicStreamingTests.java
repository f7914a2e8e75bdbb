package io.github.llmquota.attempt.sdk;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import org.junit.jupiter.api.Test;
import org.springframework.context.ApplicationContext;

import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.engine.ModelSpec;
import io.github.llmquota.engine.PoolFeedback;
import io.github.llmquota.engine.PoolSnapshot;
import io.github.llmquota.engine.QuotaEngineListener;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.test.ProviderStub;
import io.github.llmquota.test.ProviderStub.Answer;

import static io.github.llmquota.attempt.sdk.SdkAttempts.CLAUDE;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The official Anthropic SDK's {@code createStreaming}, governed, against a local stub
 * that streams server-sent events, on the test Redis: the stream's output is charged
 * while it is read and shows in the pool's snapshot before it ends, the lease settles to
 * the stream's final usage, and a stream closed early settles what it received.
 */
class AnthropicStreamingTests {

	private static final int DELTAS = 400;

	// 70 ASCII characters: 20 tokens at 3.5 characters per token.
	private static final String TEXT = "x".repeat(70);

	@Test
	void streamIsChargedWhileReadAndSettlesToItsFinalUsage() {
		application().run((context) -> {
			try (ProviderStub stub = ProviderStub.start(stream(true))) {
				Usages usages = context.getBean(Usages.class);
				long seenInFlight;
				try (StreamResponse<RawMessageStreamEvent> stream = client(context, stub).messages()
					.createStreaming(params())) {
					Iterator<RawMessageStreamEvent> events = stream.stream().iterator();
					for (int i = 0; i < 20; i++) {
						events.next();
					}
					// Part of the stream read, far from its end: the fleet sees its
					// output.
					seenInFlight = snapshot(context).streamOutput();
					assertThat(usages.settled()).isEmpty();
					events.forEachRemaining((event) -> {
					});
				}
				assertThat(seenInFlight).isPositive();
				assertThat(snapshot(context).streamOutput()).isZero();
				assertThat(usages.settled()).containsExactly(new TokenUsage(25, 0, 0, DELTAS * 20));
			}
		});
	}

	@Test
	void streamClosedEarlySettlesTheInputItReportedAndTheOutputItReceived() {
		application().run((context) -> {
			try (ProviderStub stub = ProviderStub.start(stream(true))) {
				Usages usages = context.getBean(Usages.class);
				try (StreamResponse<RawMessageStreamEvent> stream = client(context, stub).messages()
					.createStreaming(params())) {
					stream.stream().limit(10).forEach((event) -> {
					});
				}
				assertThat(usages.settled()).hasSize(1);
				TokenUsage settled = usages.settled().get(0);
				assertThat(settled.inputTokens()).isEqualTo(25);
				// What was read when the caller closed it: read ahead by the SDK's
				// buffers, never the whole stream, never nothing.
				assertThat(settled.outputTokens()).isPositive().isLessThan(DELTAS * 20);
				assertThat(snapshot(context).inFlight()).isZero();
			}
		});
	}

	@Test
	void streamThatBrokeBeforeItsUsageSettlesWhatItReceived() {
		application().run((context) -> {
			try (ProviderStub stub = ProviderStub.start(stream(false))) {
				Usages usages = context.getBean(Usages.class);
				try (StreamResponse<RawMessageStreamEvent> stream = client(context, stub).messages()
					.createStreaming(params())) {
					stream.stream().forEach((event) -> {
					});
				}
				assertThat(usages.settled()).containsExactly(new TokenUsage(25, 0, 0, DELTAS * 20));
			}
		});
	}

	private static org.springframework.boot.test.context.runner.ApplicationContextRunner application() {
		return SdkAttempts.application()
			.withBean(Usages.class)
			.withPropertyValues("llm.quota.streaming.charge-every-tokens=100");
	}

	// A message of DELTAS text deltas of 20 tokens each, with or without the final
	// usage event.
	private static Answer stream(boolean withUsage) {
		StringBuilder body = new StringBuilder();
		body.append("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",")
			.append("\"type\":\"message\",\"role\":\"assistant\",\"model\":\"")
			.append(CLAUDE)
			.append("\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,")
			.append("\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\n\n");
		body.append("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,")
			.append("\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
		for (int i = 0; i < DELTAS; i++) {
			body.append("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,")
				.append("\"delta\":{\"type\":\"text_delta\",\"text\":\"")
				.append(TEXT)
				.append("\"}}\n\n");
		}
		body.append("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n");
		if (withUsage) {
			body.append("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":")
				.append("\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":")
				.append(DELTAS * 20)
				.append("}}\n\n");
		}
		body.append("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
		return new Answer(200, Map.of("content-type", "text/event-stream"), body.toString());
	}

	private static AnthropicClient client(ApplicationContext context, ProviderStub stub) {
		return AnthropicOkHttpClient.builder()
			.baseUrl(stub.baseUrl())
			.apiKey("test")
			.timeout(Duration.ofSeconds(30))
			.addInterceptor(new AnthropicAttemptInterceptor(SdkAttempts.governor(context)))
			.build();
	}

	private static MessageCreateParams params() {
		return MessageCreateParams.builder().model(CLAUDE).maxTokens(16_000).addUserMessage("Hello").build();
	}

	private static PoolSnapshot snapshot(ApplicationContext context) {
		QuotaSettings settings = context.getBean(QuotaSettings.class);
		return context.getBean(QuotaStore.class).snapshot(settings.model(CLAUDE).pool());
	}

	/**
	 * The usage each lease settled to.
	 */
	static final class Usages implements QuotaEngineListener {

		private final List<TokenUsage> settled = new ArrayList<>();

		@Override
		public void ended(ModelSpec model, QuotaRequest request, TokenUsage usage, PoolFeedback.Kind feedback) {
			synchronized (this.settled) {
				if (usage != null) {
					this.settled.add(usage);
				}
			}
		}

		List<TokenUsage> settled() {
			synchronized (this.settled) {
				return List.copyOf(this.settled);
			}
		}

	}

}
