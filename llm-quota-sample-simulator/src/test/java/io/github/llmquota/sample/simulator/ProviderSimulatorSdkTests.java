package io.github.llmquota.sample.simulator;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.Sleeper;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.OverloadedException;
import com.anthropic.errors.RateLimitException;
import com.anthropic.models.ErrorType;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The official Java SDK, with its default retries, against the simulator: the simulator's
 * answers must parse as Anthropic's do, and the SDK's retries must behave against it as
 * they do against Anthropic. The simulator's clock stands still unless the SDK sleeps:
 * its sleeper moves the clock on by the time the SDK would have waited, so no test waits
 * for real time.
 */
class ProviderSimulatorSdkTests {

	private static final String MODEL = "claude-sonnet-4-5";

	private final AtomicLong nanos = new AtomicLong();

	private final List<Duration> sleeps = new CopyOnWriteArrayList<>();

	private ProviderSimulator simulator;

	private AnthropicClient sdk;

	@BeforeEach
	void startSimulatorAndSdk() {
		SimulatorProperties properties = new SimulatorProperties();
		properties.setLatency(Duration.ZERO);
		properties.setLatencyJitter(Duration.ZERO);
		properties.setModels(Map.of(MODEL, SimulatorProperties.Limits.of(3, 30_000, 8_000)));
		this.simulator = new ProviderSimulator(properties, new SimulatorClock(Instant.now(), this.nanos::get));
		this.simulator.start();
		this.sdk = AnthropicOkHttpClient.builder()
			.baseUrl(this.simulator.baseUrl())
			.apiKey("sk-ant-anything")
			.sleeper(new ClockSleeper())
			.build();
	}

	@AfterEach
	void stopSimulatorAndSdk() {
		this.sdk.close();
		this.simulator.close();
	}

	@Test
	void theSdkStreamsASimulatedMessageWithItsUsage() {
		StringBuilder text = new StringBuilder();
		List<Long> outputUsage = new ArrayList<>();
		try (StreamResponse<RawMessageStreamEvent> stream = this.sdk.messages().createStreaming(params(64))) {
			stream.stream().forEach((event) -> {
				event.contentBlockDelta()
					.flatMap((delta) -> delta.delta().text())
					.ifPresent((delta) -> text.append(delta.text()));
				event.messageDelta().ifPresent((delta) -> outputUsage.add(delta.usage().outputTokens()));
			});
		}
		// 64 tokens of four characters, in deltas of ten tokens, and the usage at the
		// end.
		assertThat(text).hasSize(256);
		assertThat(outputUsage).containsExactly(64L);
		assertThat(this.simulator.stats().requests()).isEqualTo(1);
	}

	@Test
	void theSdkParsesASimulatedMessageWithItsUsage() {
		Message message = this.sdk.messages().create(params(64));

		assertThat(message.id()).startsWith("msg_");
		assertThat(message.model().asString()).isEqualTo(MODEL);
		assertThat(message.content()).singleElement()
			.satisfies((block) -> assertThat(block.text())
				.hasValueSatisfying((text) -> assertThat(text.text()).isNotEmpty()));
		// ceil(16 / 4)
		assertThat(message.usage().inputTokens()).isEqualTo(4);
		assertThat(message.usage().cacheCreationInputTokens()).hasValue(0L);
		assertThat(message.usage().cacheReadInputTokens()).hasValue(0L);
		assertThat(message.usage().outputTokens()).isEqualTo(64);
		assertThat(this.simulator.stats().requests()).isEqualTo(1);
	}

	@Test
	void theSdkRetriesA429AfterItsRetryAfterAndTheRetryIsServed() {
		for (int i = 0; i < 3; i++) {
			this.sdk.messages().create(params(64));
		}

		Message message = this.sdk.messages().create(params(64));

		assertThat(message.usage().outputTokens()).isEqualTo(64);
		// 3 requests per minute refill one every 20 s: the 429 said so and the SDK waited
		// that long.
		assertThat(this.sleeps).containsExactly(Duration.ofSeconds(20));
		SimulatorStats stats = this.simulator.stats();
		assertThat(stats.requests()).isEqualTo(5);
		assertThat(stats.model(MODEL).rateLimitedByRequests()).isEqualTo(1);
		assertThat(stats.model(MODEL).served()).isEqualTo(4);
	}

	@Test
	void theSdkGivesUpOn429sAfterTwoRetriesWithItsRateLimitException() {
		for (int i = 0; i < 3; i++) {
			this.sdk.messages().create(params(64));
		}
		// A sleeper that does not move the clock: every retry finds the bucket still
		// empty.
		AnthropicClient impatient = this.sdk.withOptions((options) -> options.sleeper(new ClockSleeper(false)));

		assertThatExceptionOfType(RateLimitException.class).isThrownBy(() -> impatient.messages().create(params(64)))
			.satisfies((ex) -> {
				assertThat(ex.statusCode()).isEqualTo(429);
				assertThat(ex.errorType()).hasValue(ErrorType.RATE_LIMIT_ERROR);
				assertThat(ex.headers().values("retry-after")).containsExactly("20");
			});
		assertThat(this.simulator.stats().requests()).isEqualTo(3 + 3);
	}

	@Test
	void theSdkRetriesAnOverloadAndTheRetryIsServed() {
		this.simulator.overloadNext(1);

		Message message = this.sdk.messages().create(params(64));

		assertThat(message.usage().outputTokens()).isEqualTo(64);
		assertThat(this.sleeps).hasSize(1);
		assertThat(this.simulator.stats().requests()).isEqualTo(2);
		assertThat(this.simulator.stats().overloaded()).isEqualTo(1);
	}

	@Test
	void theSdkGivesUpOnOverloadsAfterTwoRetriesWithItsOverloadedException() {
		this.simulator.overloadNext(5);

		assertThatExceptionOfType(OverloadedException.class).isThrownBy(() -> this.sdk.messages().create(params(64)))
			.satisfies((ex) -> {
				assertThat(ex.statusCode()).isEqualTo(529);
				assertThat(ex.errorType()).hasValue(ErrorType.OVERLOADED_ERROR);
				assertThat(ex.apiMessage()).hasValue("Overloaded");
			});
		assertThat(this.simulator.stats().requests()).isEqualTo(3);
		assertThat(this.simulator.stats().overloaded()).isEqualTo(3);
		assertThat(this.simulator.stats().model(MODEL).served()).isZero();
	}

	@Test
	void theSdkDoesNotRetryARequestTooLargeForTheModel() {
		assertThatExceptionOfType(RateLimitException.class).isThrownBy(() -> this.sdk.messages().create(params(8_001)))
			.satisfies((ex) -> {
				assertThat(ex.headers().values("x-should-retry")).containsExactly("false");
				assertThat(ex.apiMessage())
					.hasValueSatisfying((text) -> assertThat(text).startsWith("Request too large"));
			});
		assertThat(this.simulator.stats().requests()).isEqualTo(1);
		assertThat(this.sleeps).isEmpty();
	}

	private static MessageCreateParams params(long maxTokens) {
		return MessageCreateParams.builder()
			.model(MODEL)
			.maxTokens(maxTokens)
			.addUserMessage("Hello, simulator")
			.build();
	}

	/**
	 * Records what the SDK would sleep and, unless told otherwise, moves the simulator's
	 * clock on by as much instead.
	 */
	private final class ClockSleeper implements Sleeper {

		private final boolean movesTheClock;

		ClockSleeper() {
			this(true);
		}

		ClockSleeper(boolean movesTheClock) {
			this.movesTheClock = movesTheClock;
		}

		@Override
		public void sleep(Duration duration) {
			ProviderSimulatorSdkTests.this.sleeps.add(duration);
			if (this.movesTheClock) {
				ProviderSimulatorSdkTests.this.nanos.addAndGet(duration.toNanos());
			}
		}

		@Override
		public CompletableFuture<Void> sleepAsync(Duration duration) {
			sleep(duration);
			return CompletableFuture.completedFuture(null);
		}

		@Override
		public void close() {
		}

	}

}
