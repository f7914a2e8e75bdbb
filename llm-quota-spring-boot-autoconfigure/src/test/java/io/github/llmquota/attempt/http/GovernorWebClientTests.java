package io.github.llmquota.attempt.http;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.context.Context;

import io.github.llmquota.attempt.AdmitOnlyFirstAttempt;
import io.github.llmquota.attempt.GovernedPool;
import io.github.llmquota.attempt.LlmCallContext;
import io.github.llmquota.attempt.ProviderReply;
import io.github.llmquota.attempt.ProviderRequest;
import io.github.llmquota.core.NonRetryableQuotaException;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.Provider;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.test.AdmissionLog;
import io.github.llmquota.test.ProviderStub;
import io.github.llmquota.test.ProviderStub.Answer;
import io.github.llmquota.test.TestSettings;

import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.JdkClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * A {@code WebClient} with the governor's filter, against a stub provider that counts
 * attempts, over a real Redis. Every exchange is subscribed on Reactor's non-blocking
 * {@code parallel} scheduler, where the governor must never block to wait for admission.
 */
class GovernorWebClientTests {

	private static final String MESSAGE = "{\"model\":\"model\",\"max_tokens\":100,"
			+ "\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]}";

	private final ProviderStub stub = ProviderStub.start();

	private final List<GovernedPool> pools = new ArrayList<>();

	@AfterEach
	void stop() {
		this.stub.close();
		this.pools.forEach(GovernedPool::close);
	}

	@Test
	void rateLimitedAttemptIsWaitedOutWithoutBlockingTheEventLoopAndSentAgain() {
		GovernedPool pool = pool(GovernedPool.requests(1000), UnaryOperator.identity());
		AtomicLong cooldownWhenResent = new AtomicLong(-1);
		this.stub.answer(Answer.rateLimited(300), Answer.ok(10, 20)).onAttempt((attempt) -> {
			if (attempt == 2) {
				cooldownWhenResent.set(pool.snapshot().cooldownMillis());
			}
		});

		String answer = sendOnParallel(client(pool), Context.empty());

		assertThat(answer).contains("\"output_tokens\":20");
		assertThat(this.stub.attemptCount()).isEqualTo(2);
		assertThat(pool.unadmittedAttempts(this.stub)).isZero();
		assertThat(AdmissionLog.parse(pool.admissionLog())).extracting(AdmissionLog.Entry::wasQueued)
			.containsExactly(false, true);
		assertThat(cooldownWhenResent.get()).isZero();
		assertThat(pool.blockingAcquireThreads()).as("non-blocking threads that blocked in acquire").isEmpty();
	}

	@Test
	void rateLimitedAttemptSentAgainDropsNoError() {
		GovernedPool pool = pool(GovernedPool.requests(1000), UnaryOperator.identity());
		this.stub.answer(Answer.rateLimited(300), Answer.ok(10, 20));
		List<Throwable> dropped = new CopyOnWriteArrayList<>();
		Hooks.onErrorDropped(dropped::add);
		try {
			String answer = sendOnParallel(client(pool), Context.empty());

			assertThat(answer).contains("\"output_tokens\":20");
			assertThat(this.stub.attemptCount()).isEqualTo(2);
			assertThat(dropped).isEmpty();
		}
		finally {
			Hooks.resetOnErrorDropped();
		}
	}

	@Test
	void overloadedAttemptIsWaitedOutAndSentAgain() {
		GovernedPool pool = pool(GovernedPool.requests(1000), UnaryOperator.identity());
		this.stub.answer(Answer.overloaded(), Answer.ok(10, 20));

		String answer = sendOnParallel(client(pool), Context.empty());

		assertThat(answer).contains("\"output_tokens\":20");
		assertThat(this.stub.attemptCount()).isEqualTo(2);
		assertThat(pool.unadmittedAttempts(this.stub)).isZero();
		assertThat(AdmissionLog.parse(pool.admissionLog())).extracting(AdmissionLog.Entry::wasQueued)
			.containsExactly(false, true);
		assertThat(pool.blockingAcquireThreads()).isEmpty();
	}

	@Test
	void unadmittedAttemptCheckFailsWhenRetriesSkipAdmission() {
		GovernedPool pool = pool(GovernedPool.requests(1000), AdmitOnlyFirstAttempt::new);
		this.stub.answer(Answer.rateLimited(300), Answer.ok(10, 20));

		sendOnParallel(client(pool), Context.empty());

		assertThat(pool.unadmittedAttempts(this.stub)).as("the re-send skipped admission").isEqualTo(1);
	}

	@Test
	void blockingAcquireCheckReportsAWaitOnANonBlockingThread() {
		GovernedPool pool = pool(GovernedPool.requests(1000), UnaryOperator.identity());
		ProviderRequest request = new ProviderRequest("POST", URI.create(this.stub.baseUrl()), Map.of(),
				MESSAGE.getBytes(StandardCharsets.UTF_8));

		// The blocking variant, wrongly called on an event loop, is what the check
		// catches.
		Mono.fromCallable(() -> pool.governor().exchange(request, () -> new OkReply()))
			.subscribeOn(Schedulers.parallel())
			.block(Duration.ofSeconds(30));

		assertThat(pool.blockingAcquireThreads()).isNotEmpty();
	}

	@Test
	void priorityComesFromTheReactorContext() {
		GovernedPool pool = pool(GovernedPool.requests(1000), UnaryOperator.identity());

		sendOnParallel(client(pool),
				Context.of(LlmCallContext.REACTOR_CONTEXT_KEY, LlmCallContext.priority(Priority.BACKGROUND).build()));

		assertThat(AdmissionLog.parse(pool.admissionLog())).extracting(AdmissionLog.Entry::rank).containsExactly(3);
	}

	@Test
	void exhaustedQuotaFailsTheExchangeAsNonRetryableAndIsNeverSentAgain() {
		GovernedPool pool = pool(GovernedPool.requests(1000).provider(Provider.OPENAI), UnaryOperator.identity());
		this.stub.answer(Answer.insufficientQuota(), Answer.ok(10, 20));

		assertThatExceptionOfType(NonRetryableQuotaException.class)
			.isThrownBy(() -> sendOnParallel(client(pool), Context.empty()));
		assertThat(this.stub.attemptCount()).isEqualTo(1);
		assertThat(pool.snapshot().inFlight()).isZero();
	}

	@Test
	void streamSettlesWhenItsBodyCompletes() {
		GovernedPool pool = pool(GovernedPool.requests(1000), UnaryOperator.identity());
		this.stub.answer(Answer.stream());

		List<String> events = client(pool).post()
			.uri("/v1/messages")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(MESSAGE)
			.retrieve()
			.bodyToFlux(String.class)
			.subscribeOn(Schedulers.parallel())
			.collectList()
			.block(Duration.ofSeconds(30));

		assertThat(String.join("", events)).contains("message_stop");
		// The lease settles in the body's doFinally, which runs after the subscriber saw
		// the completion.
		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(pool.settled()).hasSize(1));
		assertThat(pool.snapshot().inFlight()).isZero();
	}

	@Test
	void streamIsChargedAsItFlowsAndShowsInTheSnapshotBeforeItEnds() throws Exception {
		GovernedPool pool = pool(GovernedPool.requests(1000), UnaryOperator.identity());
		this.stub.answer(streamOf600Then700()).pauseStreamsAfter(PAUSE);

		CompletableFuture<List<String>> events = client(pool).post()
			.uri("/v1/messages")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(MESSAGE)
			.retrieve()
			.bodyToFlux(String.class)
			.subscribeOn(Schedulers.parallel())
			.collectList()
			.toFuture();

		// The stream is open, paused by the provider after 600 output tokens: the fleet
		// sees them. The charge runs off the event loop, so it is awaited (a deadline
		// against a hang only).
		await().atMost(Duration.ofSeconds(30)).until(() -> pool.snapshot().streamOutput() == 600);
		assertThat(events).isNotDone();
		assertThat(pool.settled()).isEmpty();
		assertThat(pool.snapshot().inFlight()).isEqualTo(1);
		this.stub.resumeStreams();
		assertThat(String.join("", events.get(30, TimeUnit.SECONDS))).contains("message_stop");
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(pool.settled()).hasSize(1));
		assertThat(pool.settled()).containsExactly(TokenUsage.of(40, 700));
		assertThat(pool.snapshot().streamOutput()).isZero();
		assertThat(pool.snapshot().inFlight()).isZero();
	}

	private static final String PAUSE = "\"output_tokens\":600}}\n\n";

	// An Anthropic stream that reports 600 output tokens, then (after the pause) 700.
	static Answer streamOf600Then700() {
		return new Answer(200, Map.of("content-type", "text/event-stream"),
				"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":"
						+ "{\"input_tokens\":40,\"output_tokens\":1}}}\n\n"
						+ "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
						+ "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}\n\n"
						+ "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{},\"usage\":"
						+ "{\"output_tokens\":600}}\n\n"
						+ "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{},\"usage\":"
						+ "{\"output_tokens\":700}}\n\n"
						+ "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
	}

	private String sendOnParallel(WebClient client, Context context) {
		return Mono
			.defer(() -> client.post()
				.uri("/v1/messages")
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue(MESSAGE)
				.retrieve()
				.bodyToMono(String.class))
			.subscribeOn(Schedulers.parallel())
			.contextWrite(context)
			.block(Duration.ofSeconds(30));
	}

	private GovernedPool pool(TestSettings settings, UnaryOperator<QuotaEngine> decorator) {
		GovernedPool pool = new GovernedPool(settings, decorator);
		this.pools.add(pool);
		return pool;
	}

	private WebClient client(GovernedPool pool) {
		return WebClient.builder()
			.baseUrl(this.stub.baseUrl())
			.clientConnector(new JdkClientHttpConnector())
			.filter(new GovernorExchangeFilterFunction(pool.governor(),
					ProviderBaseUrls.of(List.of(this.stub.baseUrl()))))
			.build();
	}

	/**
	 * A successful answer that never leaves the JVM.
	 */
	private static final class OkReply implements ProviderReply<String> {

		@Override
		public int status() {
			return 200;
		}

		@Override
		public Map<String, List<String>> headers() {
			return Map.of();
		}

		@Override
		public byte[] body() {
			return "{}".getBytes(StandardCharsets.UTF_8);
		}

		@Override
		public String response() {
			return "{}";
		}

		@Override
		public String streamed(Runnable onClose) {
			onClose.run();
			return "";
		}

		@Override
		public String nonRetryable(NonRetryableQuotaException exception) {
			throw exception;
		}

		@Override
		public void discard() {
		}

	}

}
