package io.github.llmquota.sample.simulator;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import io.github.llmquota.sample.simulator.MessagesEndpoint.Call;
import io.github.llmquota.sample.simulator.MessagesEndpoint.Reply;

import static org.assertj.core.api.Assertions.assertThat;

class MessagesEndpointTests {

	private static final String SONNET = "claude-sonnet-4-5";

	private final ObjectMapper objectMapper = new ObjectMapper();

	private final AtomicLong nanos = new AtomicLong();

	// A quarter of a second past the minute shows that resets are rounded up to whole
	// seconds.
	private final SimulatorClock clock = new SimulatorClock(Instant.parse("2026-03-01T12:00:00.250Z"), this.nanos::get);

	@Test
	void answersWithAnAnthropicMessageAndItsUsage() {
		MessagesEndpoint endpoint = endpoint(SimulatorProperties.Limits.of(50, 30_000, 8_000));
		Reply reply = endpoint
			.begin(body(request(SONNET, 1024).put("system", "Be brief.")
				.set("messages", messages("user", "a".repeat(401)))))
			.finish();
		assertThat(reply.status()).isEqualTo(200);
		JsonNode message = reply.body();
		assertThat(message.get("id").asText()).startsWith("msg_");
		assertThat(message.get("type").asText()).isEqualTo("message");
		assertThat(message.get("role").asText()).isEqualTo("assistant");
		assertThat(message.get("model").asText()).isEqualTo(SONNET);
		assertThat(message.get("stop_reason").asText()).isEqualTo("end_turn");
		JsonNode usage = message.get("usage");
		// ceil((9 + 401) / 4)
		assertThat(usage.get("input_tokens").asLong()).isEqualTo(103);
		assertThat(usage.get("cache_creation_input_tokens").asLong()).isZero();
		assertThat(usage.get("cache_read_input_tokens").asLong()).isZero();
		long outputTokens = usage.get("output_tokens").asLong();
		assertThat(outputTokens).isBetween(50L, 300L);
		assertThat(message.at("/content/0/type").asText()).isEqualTo("text");
		assertThat(message.at("/content/0/text").asText()).hasSize((int) outputTokens * 4);
		assertThat(reply.headers().get("request-id")).startsWith("req_");
	}

	@Test
	void answersTheSamePromptWithTheSameNumberOfOutputTokens() {
		MessagesEndpoint endpoint = endpoint(SimulatorProperties.Limits.of(50, 30_000, 8_000));
		byte[] body = body(request(SONNET, 1024).set("messages", messages("user", "How are you?")));
		assertThat(outputTokens(endpoint.begin(body).finish())).isEqualTo(outputTokens(endpoint.begin(body).finish()));
	}

	@Test
	void stopsAtMaxTokensWhenTheAnswerWouldBeLonger() {
		MessagesEndpoint endpoint = endpoint(SimulatorProperties.Limits.of(50, 30_000, 8_000));
		Reply reply = endpoint.begin(body(request(SONNET, 10).set("messages", messages("user", "Hello")))).finish();
		assertThat(reply.body().get("stop_reason").asText()).isEqualTo("max_tokens");
		assertThat(outputTokens(reply)).isEqualTo(10);
		assertThat(reply.body().at("/content/0/text").asText()).hasSize(40);
	}

	@Test
	void refusesARequestBeyondTheRequestsPerMinuteUntilItsBucketHasRefilled() {
		MessagesEndpoint endpoint = endpoint(SimulatorProperties.Limits.of(5, 30_000, 8_000));
		byte[] body = body(request(SONNET, 10).set("messages", messages("user", "Hello")));
		for (int i = 0; i < 5; i++) {
			assertThat(endpoint.begin(body).finish().status()).isEqualTo(200);
		}
		Reply refused = endpoint.begin(body).finish();
		assertThat(refused.status()).isEqualTo(429);
		assertThat(refused.body().at("/error/type").asText()).isEqualTo("rate_limit_error");
		assertThat(refused.body().at("/error/message").asText())
			.startsWith("This request would exceed the rate limit for your organization (")
			.contains("of 5 requests per minute.");
		assertThat(refused.body().get("request_id").asText()).isEqualTo(refused.headers().get("request-id"));
		// One request returns every 60 / 5 = 12 seconds.
		assertThat(refused.headers()).containsEntry("retry-after", "12")
			.containsEntry("x-should-retry", "true")
			.containsEntry("anthropic-ratelimit-requests-remaining", "0");
		this.nanos.set(Duration.ofMillis(11_500).toNanos());
		assertThat(endpoint.begin(body).finish().headers()).containsEntry("retry-after", "1");
		this.nanos.set(Duration.ofSeconds(12).toNanos());
		assertThat(endpoint.begin(body).finish().status()).isEqualTo(200);
	}

	@Test
	void refusesWithoutTakingFromAnyBucketAndCountsTheLimitItNamed() {
		Fixture fixture = new Fixture(SimulatorProperties.Limits.of(50, 30_000, 8_000));
		Call pending = fixture.endpoint.begin(body(request(SONNET, 8_000).set("messages", messages("user", "Hi"))));
		byte[] body = body(request(SONNET, 10).set("messages", messages("user", "x".repeat(6_400))));
		for (int i = 0; i < 2; i++) {
			Reply refused = fixture.endpoint.begin(body).finish();
			assertThat(refused.status()).isEqualTo(429);
			// Only the pending request is counted: a refused one would leave 48 requests
			// and 28,399 input tokens, which round to 28,000.
			assertThat(refused.headers()).containsEntry("anthropic-ratelimit-requests-remaining", "49")
				.containsEntry("anthropic-ratelimit-input-tokens-remaining", "30000");
		}
		pending.finish();
		assertThat(fixture.model.stats().served()).isEqualTo(1);
		assertThat(fixture.model.stats().rateLimitedByOutputTokens()).isEqualTo(2);
		assertThat(fixture.model.stats().rateLimited()).isEqualTo(2);
	}

	@Test
	void reservesMaxTokensOfOutputUntilTheRequestFinishes() {
		MessagesEndpoint endpoint = endpoint(SimulatorProperties.Limits.of(50, 30_000, 10_000));
		Call first = endpoint.begin(body(request(SONNET, 8_000).set("messages", messages("user", "Write a lot"))));
		assertThat(first.admitted()).isTrue();
		byte[] second = body(request(SONNET, 4_000).set("messages", messages("user", "Write some more")));
		Reply refused = endpoint.begin(second).finish();
		assertThat(refused.status()).isEqualTo(429);
		assertThat(refused.body().at("/error/message").asText()).contains("of 10,000 output tokens per minute");
		// 2,000 tokens are left; the missing 2,000 take 2,000 / 10,000 of a minute to
		// refill.
		assertThat(refused.headers()).containsEntry("anthropic-ratelimit-output-tokens-remaining", "2000")
			.containsEntry("retry-after", "12");
		Reply finished = first.finish();
		// At most 300 tokens were produced: the rest of the reservation is back.
		assertThat(outputTokens(finished)).isLessThanOrEqualTo(300);
		assertThat(finished.headers()).containsEntry("anthropic-ratelimit-output-tokens-remaining", "10000");
		assertThat(endpoint.begin(second).admitted()).isTrue();
	}

	@Test
	void aStreamTakesItsOutputAsItIsEmittedNotAtAdmission() {
		Fixture fixture = new Fixture(SimulatorProperties.Limits.of(50, 30_000, 10_000));
		Call stream = fixture.endpoint
			.beginStream(body(request(SONNET, 8_000).set("messages", messages("user", "Write a lot"))));
		assertThat(stream.admitted()).isTrue();
		stream.finish();
		// Nothing of its max_tokens was reserved: 9,000 more fit.
		byte[] other = body(request(SONNET, 9_000).set("messages", messages("user", "Write some more")));
		Reply beside = fixture.endpoint.begin(other).finish();
		assertThat(beside.status()).isEqualTo(200);
		assertThat(beside.headers()).containsEntry("anthropic-ratelimit-output-tokens-remaining", "10000");
		// Its chunks drain the bucket as they are emitted, and show as output in flight
		// until the stream ends.
		for (int chunk = 0; chunk < 6; chunk++) {
			stream.emit(1_000);
		}
		assertThat(fixture.model.streamingOutput()).isEqualTo(6_000);
		assertThat(fixture.model.stats().outputTokens()).isGreaterThanOrEqualTo(6_000);
		Reply refused = fixture.endpoint.begin(other).finish();
		assertThat(refused.status()).isEqualTo(429);
		assertThat(refused.headers()).containsEntry("anthropic-ratelimit-output-tokens-remaining", "4000");
		stream.streamEnded();
		assertThat(fixture.model.streamingOutput()).isZero();
	}

	@Test
	void countsCacheWritesButNotCacheReadsAgainstInputTokens() {
		MessagesEndpoint endpoint = endpoint(SimulatorProperties.Limits.of(50, 5_000, 8_000));
		// A 4,000-token system prompt marked for caching, then a 1-token question.
		byte[] cached = body(cachedSystemRequest("s".repeat(16_000), "Hi"));
		JsonNode write = endpoint.begin(cached).finish().body().get("usage");
		assertThat(write.get("cache_creation_input_tokens").asLong()).isEqualTo(4_000);
		assertThat(write.get("cache_read_input_tokens").asLong()).isZero();
		assertThat(write.get("input_tokens").asLong()).isEqualTo(1);
		// 999 input tokens are left: only a read of the cached prefix fits.
		Reply read = endpoint.begin(cached).finish();
		assertThat(read.status()).isEqualTo(200);
		assertThat(read.body().at("/usage/cache_read_input_tokens").asLong()).isEqualTo(4_000);
		assertThat(read.body().at("/usage/cache_creation_input_tokens").asLong()).isZero();
		Reply uncached = endpoint.begin(body(cachedSystemRequest("t".repeat(16_000), "Hi"))).finish();
		assertThat(uncached.status()).isEqualTo(429);
		assertThat(uncached.body().at("/error/message").asText()).contains("of 5,000 input tokens per minute");
	}

	@Test
	void keepsAPromptPrefixCachedForFiveMinutesAfterItsLastUse() {
		MessagesEndpoint endpoint = endpoint(SimulatorProperties.Limits.of(50, 30_000, 8_000));
		byte[] cached = body(cachedSystemRequest("s".repeat(16_000), "Hi"));
		endpoint.begin(cached).finish();
		this.nanos.set(Duration.ofMinutes(4).toNanos());
		assertThat(endpoint.begin(cached).finish().body().at("/usage/cache_read_input_tokens").asLong())
			.isEqualTo(4_000);
		this.nanos.set(Duration.ofMinutes(8).toNanos());
		assertThat(endpoint.begin(cached).finish().body().at("/usage/cache_read_input_tokens").asLong())
			.isEqualTo(4_000);
		this.nanos.set(Duration.ofMinutes(13).toNanos());
		JsonNode usage = endpoint.begin(cached).finish().body().get("usage");
		assertThat(usage.get("cache_read_input_tokens").asLong()).isZero();
		assertThat(usage.get("cache_creation_input_tokens").asLong()).isEqualTo(4_000);
	}

	@Test
	void readsThePreviousTurnFromTheCacheInTheNextTurnOfAConversation() {
		MessagesEndpoint endpoint = endpoint(SimulatorProperties.Limits.of(50, 30_000, 8_000));
		ArrayNode firstTurn = this.objectMapper.createArrayNode();
		firstTurn.addObject().put("role", "user").set("content", text("q".repeat(4_000), true));
		endpoint.begin(body(request(SONNET, 100).set("messages", firstTurn))).finish();
		ArrayNode secondTurn = this.objectMapper.createArrayNode();
		// The client moves the breakpoint to the newest turn, as Anthropic's docs show.
		secondTurn.addObject().put("role", "user").set("content", text("q".repeat(4_000), false));
		secondTurn.addObject().put("role", "assistant").put("content", "a".repeat(400));
		secondTurn.addObject().put("role", "user").set("content", text("r".repeat(800), true));
		JsonNode usage = endpoint.begin(body(request(SONNET, 100).set("messages", secondTurn)))
			.finish()
			.body()
			.get("usage");
		assertThat(usage.get("cache_read_input_tokens").asLong()).isEqualTo(1_000);
		assertThat(usage.get("cache_creation_input_tokens").asLong()).isEqualTo(300);
		assertThat(usage.get("input_tokens").asLong()).isZero();
	}

	@Test
	void refusesForGoodARequestThatNoBucketCouldEverHold() {
		MessagesEndpoint endpoint = endpoint(SimulatorProperties.Limits.of(50, 1_000, 8_000));
		Reply tooMuchOutput = endpoint.begin(body(request(SONNET, 8_001).set("messages", messages("user", "Hi"))))
			.finish();
		assertThat(tooMuchOutput.status()).isEqualTo(429);
		assertThat(tooMuchOutput.body().at("/error/message").asText()).startsWith("Request too large")
			.contains("of 8,000 output tokens per minute");
		assertThat(tooMuchOutput.headers()).doesNotContainKey("retry-after").containsEntry("x-should-retry", "false");
		Reply tooMuchInput = endpoint
			.begin(body(request(SONNET, 10).set("messages", messages("user", "x".repeat(4_004)))))
			.finish();
		assertThat(tooMuchInput.status()).isEqualTo(429);
		assertThat(tooMuchInput.body().at("/error/message").asText()).contains("of 1,000 input tokens per minute");
		assertThat(tooMuchInput.headers()).doesNotContainKey("retry-after");
	}

	@Test
	void writesTheRateLimitHeadersInAnthropicsFormats() {
		MessagesEndpoint endpoint = endpoint(SimulatorProperties.Limits.of(50, 30_000, 8_000));
		Reply reply = endpoint.begin(body(request(SONNET, 10).set("messages", messages("user", "x".repeat(6_400)))))
			.finish();
		// 1,600 input and 10 output tokens taken at 12:00:00.250; resets are when each
		// bucket is full again, rounded up to the second.
		assertThat(reply.headers()).containsEntry("anthropic-ratelimit-requests-limit", "50")
			.containsEntry("anthropic-ratelimit-requests-remaining", "49")
			// 60 / 50 = 1.2 s
			.containsEntry("anthropic-ratelimit-requests-reset", "2026-03-01T12:00:02Z")
			.containsEntry("anthropic-ratelimit-input-tokens-limit", "30000")
			// 28,400 rounds down
			.containsEntry("anthropic-ratelimit-input-tokens-remaining", "28000")
			// 1,600 / 30,000 of a minute = 3.2 s
			.containsEntry("anthropic-ratelimit-input-tokens-reset", "2026-03-01T12:00:04Z")
			.containsEntry("anthropic-ratelimit-output-tokens-limit", "8000")
			// 7,990 rounds up
			.containsEntry("anthropic-ratelimit-output-tokens-remaining", "8000")
			// 10 / 8,000 of a minute = 0.075 s
			.containsEntry("anthropic-ratelimit-output-tokens-reset", "2026-03-01T12:00:01Z")
			.containsEntry("anthropic-ratelimit-tokens-limit", "38000")
			.containsEntry("anthropic-ratelimit-tokens-remaining", "36000")
			.containsEntry("anthropic-ratelimit-tokens-reset", "2026-03-01T12:00:01Z");
	}

	@Test
	void answersAnUnknownModelWithNotFound() {
		Reply reply = endpoint(SimulatorProperties.Limits.of(50, 30_000, 8_000))
			.begin(body(request("claude-opus-9", 10).set("messages", messages("user", "Hi"))))
			.finish();
		assertThat(reply.status()).isEqualTo(404);
		assertThat(reply.body().at("/error/type").asText()).isEqualTo("not_found_error");
		assertThat(reply.body().at("/error/message").asText()).isEqualTo("model: claude-opus-9");
	}

	@Test
	void rejectsARequestWithoutMaxTokens() {
		ObjectNode request = this.objectMapper.createObjectNode().put("model", SONNET);
		request.set("messages", messages("user", "Hi"));
		Reply reply = endpoint(SimulatorProperties.Limits.of(50, 30_000, 8_000)).begin(body(request)).finish();
		assertThat(reply.status()).isEqualTo(400);
		assertThat(reply.body().at("/error/type").asText()).isEqualTo("invalid_request_error");
		assertThat(reply.body().at("/error/message").asText()).startsWith("max_tokens:");
	}

	private MessagesEndpoint endpoint(SimulatorProperties.Limits limits) {
		return new Fixture(limits).endpoint;
	}

	private ObjectNode request(String model, int maxTokens) {
		return this.objectMapper.createObjectNode().put("model", model).put("max_tokens", maxTokens);
	}

	private ObjectNode cachedSystemRequest(String system, String question) {
		ObjectNode request = request(SONNET, 100);
		request.set("system", text(system, true));
		request.set("messages", messages("user", question));
		return request;
	}

	private ArrayNode text(String text, boolean cacheBreakpoint) {
		ArrayNode blocks = this.objectMapper.createArrayNode();
		ObjectNode block = blocks.addObject().put("type", "text").put("text", text);
		if (cacheBreakpoint) {
			block.putObject("cache_control").put("type", "ephemeral");
		}
		return blocks;
	}

	private ArrayNode messages(String role, String content) {
		ArrayNode messages = this.objectMapper.createArrayNode();
		messages.addObject().put("role", role).put("content", content);
		return messages;
	}

	private byte[] body(JsonNode request) {
		return request.toString().getBytes(StandardCharsets.UTF_8);
	}

	private static long outputTokens(Reply reply) {
		return reply.body().at("/usage/output_tokens").asLong();
	}

	private final class Fixture {

		private final SimulatedModel model;

		private final MessagesEndpoint endpoint;

		Fixture(SimulatorProperties.Limits limits) {
			this.model = new SimulatedModel(limits, MessagesEndpointTests.this.clock);
			this.endpoint = new MessagesEndpoint(MessagesEndpointTests.this.objectMapper, Map.of(SONNET, this.model),
					new PromptCache(), MessagesEndpointTests.this.clock);
		}

	}

}
