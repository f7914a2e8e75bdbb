package io.github.llmquota.attempt.http;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.github.llmquota.attempt.AdmitOnlyFirstAttempt;
import io.github.llmquota.attempt.DropArrival;
import io.github.llmquota.attempt.GovernedPool;
import io.github.llmquota.attempt.LlmCallContext;
import io.github.llmquota.attempt.UnknownModelException;
import io.github.llmquota.core.ErrorClass;
import io.github.llmquota.core.NonRetryableQuotaException;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.Provider;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.test.AdmissionLog;
import io.github.llmquota.test.ProviderStub.Answer;
import io.github.llmquota.test.ProviderStub;
import io.github.llmquota.test.TestSettings;

import org.springframework.http.MediaType;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * A {@code RestClient} with the governor's interceptor, against a stub provider that
 * counts attempts, over a real Redis.
 */
class GovernorRestClientTests {

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
	void rateLimitedAttemptIsWaitedOutFleetWideAndSentAgainOnceAdmitted() {
		GovernedPool pool = pool(GovernedPool.requests(1000));
		AtomicLong cooldownWhenResent = new AtomicLong(-1);
		this.stub.answer(Answer.rateLimited(300), Answer.ok(10, 20)).onAttempt((attempt) -> {
			if (attempt == 2) {
				cooldownWhenResent.set(pool.snapshot().cooldownMillis());
			}
		});

		String answer = send(client(pool), MESSAGE);

		assertThat(answer).contains("\"output_tokens\":20");
		assertThat(this.stub.attemptCount()).isEqualTo(2);
		assertThat(pool.unadmittedAttempts(this.stub)).isZero();
		assertThat(pool.admissions()).isEqualTo(2);
		assertWaitedInTheWaitingRoom(pool);
		assertThat(cooldownWhenResent.get()).as("the pool's cooldown, in Redis, when the 429 was re-sent").isZero();
	}

	@Test
	void overloadedAttemptIsWaitedOutAndSentAgainOnceAdmitted() {
		GovernedPool pool = pool(GovernedPool.requests(1000));
		AtomicLong modelCooldownWhenResent = new AtomicLong(-1);
		this.stub.answer(Answer.overloaded(), Answer.ok(10, 20)).onAttempt((attempt) -> {
			if (attempt == 2) {
				modelCooldownWhenResent.set(pool.snapshot().modelCooldownMillis()[0]);
			}
		});

		String answer = send(client(pool), MESSAGE);

		assertThat(answer).contains("\"output_tokens\":20");
		assertThat(this.stub.attemptCount()).isEqualTo(2);
		assertThat(pool.unadmittedAttempts(this.stub)).isZero();
		assertWaitedInTheWaitingRoom(pool);
		assertThat(modelCooldownWhenResent.get()).as("the model's overload cooldown when the 529 was re-sent").isZero();
	}

	@Test
	void rateLimitOutlastingTheWaitBudgetEndsInOneRejection() {
		GovernedPool pool = pool(GovernedPool.requests(1000));
		this.stub.answer(Answer.rateLimited(60_000), Answer.ok(10, 20));
		RestClient client = client(pool);

		assertThatExceptionOfType(QuotaRejectedException.class)
			.isThrownBy(() -> LlmCallContext.maxWait(Duration.ofMillis(200)).call(() -> send(client, MESSAGE)));
		assertThat(this.stub.attemptCount()).isEqualTo(1);
		assertThat(pool.snapshot().inFlight()).isZero();
		assertThat(pool.snapshot().queued()).containsOnly(0L);
	}

	@Test
	void unadmittedAttemptCheckFailsWhenRetriesSkipAdmission() {
		GovernedPool pool = pool(GovernedPool.requests(1000), AdmitOnlyFirstAttempt::new);
		this.stub.answer(Answer.rateLimited(300), Answer.ok(10, 20));

		send(client(pool), MESSAGE);

		assertThat(this.stub.attemptCount()).isEqualTo(2);
		assertThat(pool.unadmittedAttempts(this.stub)).as("the re-send skipped admission").isEqualTo(1);
	}

	@Test
	void successSettlesToTheUsageInTheResponseBody() {
		GovernedPool pool = pool(GovernedPool.requests(1000));
		this.stub.answer(new Answer(200, Map.of("content-type", "application/json"),
				"{\"usage\":{\"input_tokens\":7,\"cache_read_input_tokens\":3,\"output_tokens\":11}}"));

		send(client(pool), MESSAGE);

		assertThat(pool.settled()).containsExactly(new TokenUsage(7, 0, 3, 11));
		assertThat(pool.snapshot().inFlight()).isZero();
	}

	@Test
	void exhaustedQuotaIsThrownAsNonRetryableAndNeverSentAgain() {
		GovernedPool pool = pool(GovernedPool.requests(1000).provider(Provider.OPENAI));
		this.stub.answer(Answer.insufficientQuota(), Answer.ok(10, 20));

		assertThatExceptionOfType(NonRetryableQuotaException.class).isThrownBy(() -> send(client(pool), MESSAGE))
			.satisfies((ex) -> assertThat(ex.getErrorClass()).isEqualTo(ErrorClass.QUOTA_EXHAUSTED));
		assertThat(this.stub.attemptCount()).isEqualTo(1);
		assertThat(pool.unadmittedAttempts(this.stub)).isZero();
		assertThat(pool.snapshot().inFlight()).isZero();
		// The pool is now exhausted fleet-wide: the next call fails without being sent.
		assertThatExceptionOfType(NonRetryableQuotaException.class).isThrownBy(() -> send(client(pool), MESSAGE));
		assertThat(this.stub.attemptCount()).isEqualTo(1);
	}

	@Test
	void requestForAModelThatIsNotConfiguredFailsBeforeItIsSent() {
		GovernedPool pool = pool(GovernedPool.requests(1000));

		assertThatExceptionOfType(UnknownModelException.class)
			.isThrownBy(() -> send(client(pool), MESSAGE.replace("\"model\":\"model\"", "\"model\":\"gpt-9\"")))
			.withMessageContaining("'gpt-9'")
			.withMessageContaining("llm.quota.models.gpt-9");
		assertThat(this.stub.attemptCount()).isZero();
	}

	@Test
	void requestToAnotherHostIsNotGoverned() {
		GovernedPool pool = pool(GovernedPool.requests(1000));
		RestClient client = RestClient.builder()
			.baseUrl(this.stub.baseUrl())
			.requestFactory(new JdkClientHttpRequestFactory())
			.requestInterceptor(new GovernorClientHttpRequestInterceptor(pool.governor(),
					ProviderBaseUrls.of(List.of("https://api.anthropic.com"))))
			.build();

		send(client, MESSAGE);

		assertThat(this.stub.attemptCount()).isEqualTo(1);
		assertThat(pool.admissions()).isZero();
	}

	@Test
	void streamIsHandedBackUnreadAndSettlesWhenClosed() {
		GovernedPool pool = pool(GovernedPool.requests(1000));
		this.stub.answer(Answer.stream());

		String events = send(client(pool), MESSAGE);

		assertThat(events).contains("message_stop");
		assertThat(pool.snapshot().inFlight()).isZero();
		// Events, but neither usage nor text: the estimated input and no output.
		assertThat(pool.settled()).containsExactly(TokenUsage.of(pool.settled().get(0).inputTokens(), 0));
	}

	@Test
	void streamSettlesToTheUsageItReports() {
		GovernedPool pool = pool(GovernedPool.requests(1000));
		this.stub.answer(Answer.stream(40, "Hello", 7));

		String events = send(client(pool), MESSAGE);

		assertThat(events).contains("message_stop");
		assertThat(pool.snapshot().inFlight()).isZero();
		assertThat(pool.snapshot().streamOutput()).isZero();
		assertThat(pool.settled()).containsExactly(TokenUsage.of(40, 7));
	}

	@Test
	void concurrentCallsNeverExceedMaxConcurrencyAtTheProvider() throws Exception {
		GovernedPool pool = pool(GovernedPool.requests(100_000).maxConcurrency(2));
		this.stub.hold();
		RestClient client = client(pool);
		ExecutorService callers = Executors.newFixedThreadPool(6);
		List<CompletableFuture<String>> calls = new ArrayList<>();
		for (int i = 0; i < 6; i++) {
			calls.add(CompletableFuture.supplyAsync(() -> send(client, MESSAGE), callers));
		}
		for (int released = 0; released < 6; released++) {
			int expected = Math.min(2, 6 - released);
			await().atMost(Duration.ofSeconds(10)).until(() -> this.stub.inFlight() == expected);
			this.stub.release(1);
		}
		CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
		callers.shutdown();

		assertThat(this.stub.attemptCount()).isEqualTo(6);
		assertThat(this.stub.maxInFlight()).isEqualTo(2);
		assertThat(pool.unadmittedAttempts(this.stub)).isZero();
	}

	@Test
	void higherClassThatArrivedLaterIsSentFirstAfterARateLimit() throws Exception {
		// One call at a time, so that the order of admission is the order at the
		// provider.
		GovernedPool pool = pool(GovernedPool.requests(100_000).noReserves().maxConcurrency(1));
		// The first attempt of the background call cools the pool down for 3 seconds,
		// long enough for the critical call to arrive and queue behind it.
		this.stub.answer(Answer.rateLimited(3000), Answer.ok(1, 1), Answer.ok(2, 2));
		RestClient client = client(pool);
		CompletableFuture<String> background = CompletableFuture
			.supplyAsync(() -> LlmCallContext.priority(Priority.BACKGROUND)
				.maxWait(Duration.ofSeconds(20))
				.call(() -> send(client, tagged("background"))));
		await().atMost(Duration.ofSeconds(20)).until(() -> pool.snapshot().queued()[3] == 1);
		CompletableFuture<String> critical = CompletableFuture
			.supplyAsync(() -> LlmCallContext.priority(Priority.CRITICAL)
				.maxWait(Duration.ofSeconds(20))
				.call(() -> send(client, tagged("critical"))));
		await().atMost(Duration.ofSeconds(20)).until(() -> pool.snapshot().queued()[0] == 1);

		assertThat(critical.get(30, TimeUnit.SECONDS)).contains("\"output_tokens\":1");
		assertThat(background.get(30, TimeUnit.SECONDS)).contains("\"output_tokens\":2");
		assertThat(this.stub.bodies()).extracting((body) -> body.contains("critical") ? "critical" : "background")
			.containsExactly("background", "critical", "background");
		assertThat(AdmissionLog.parse(pool.admissionLog())).extracting(AdmissionLog.Entry::rank)
			.containsExactly(3, 0, 3);
		assertThat(AdmissionLog.inversions(pool.admissionLog())).isEmpty();
		assertThat(pool.unadmittedAttempts(this.stub)).isZero();
	}

	@Test
	void reSentAttemptGoesBeforeASameClassCallThatArrivedAfterItsFirstAttempt() throws Exception {
		assertThat(sendFirstThenLaterArrival(UnaryOperator.identity())).containsExactly("first", "first", "later");
	}

	@Test
	void reEntryOrderCheckFailsWhenTheArrivalIsDropped() throws Exception {
		assertThat(sendFirstThenLaterArrival(DropArrival::new)).containsExactly("first", "later", "first");
	}

	/**
	 * Call "first" is held at the provider while call "later", of the same class, queues
	 * for the only slot; then "first" is answered 429. Returns the order the provider
	 * saw.
	 */
	private List<String> sendFirstThenLaterArrival(UnaryOperator<QuotaEngine> decorator) throws Exception {
		GovernedPool pool = pool(GovernedPool.requests(100_000).maxConcurrency(1), decorator);
		this.stub.hold().answer(Answer.rateLimited(500), Answer.ok(1, 1), Answer.ok(2, 2));
		RestClient client = client(pool);
		LlmCallContext patient = LlmCallContext.maxWait(Duration.ofSeconds(30)).build();
		CompletableFuture<String> first = CompletableFuture
			.supplyAsync(() -> patient.call(() -> send(client, tagged("first"))));
		await().atMost(Duration.ofSeconds(20)).until(() -> this.stub.inFlight() == 1);
		CompletableFuture<String> later = CompletableFuture
			.supplyAsync(() -> patient.call(() -> send(client, tagged("later"))));
		await().atMost(Duration.ofSeconds(20)).until(() -> pool.snapshot().queued()[2] == 1);
		this.stub.release(3);
		first.get(30, TimeUnit.SECONDS);
		later.get(30, TimeUnit.SECONDS);
		assertThat(pool.unadmittedAttempts(this.stub)).isZero();
		return this.stub.bodies().stream().map((body) -> body.contains("later") ? "later" : "first").toList();
	}

	private static String tagged(String tag) {
		return MESSAGE.replace("Hello there", tag);
	}

	private static void assertWaitedInTheWaitingRoom(GovernedPool pool) {
		List<AdmissionLog.Entry> admissions = AdmissionLog.parse(pool.admissionLog());
		assertThat(admissions).hasSize(2);
		assertThat(admissions.get(1).wasQueued()).as("the re-send queued for the cooldown although the pool had room")
			.isTrue();
	}

	private GovernedPool pool(TestSettings settings) {
		GovernedPool pool = new GovernedPool(settings);
		this.pools.add(pool);
		return pool;
	}

	private GovernedPool pool(TestSettings settings, UnaryOperator<QuotaEngine> decorator) {
		GovernedPool pool = new GovernedPool(settings, decorator);
		this.pools.add(pool);
		return pool;
	}

	private RestClient client(GovernedPool pool) {
		return RestClient.builder()
			.baseUrl(this.stub.baseUrl())
			.requestFactory(new JdkClientHttpRequestFactory())
			.requestInterceptor(new GovernorClientHttpRequestInterceptor(pool.governor(),
					ProviderBaseUrls.of(List.of(this.stub.baseUrl()))))
			.build();
	}

	private static String send(RestClient client, String body) {
		return client.post()
			.uri("/v1/messages")
			.contentType(MediaType.APPLICATION_JSON)
			.body(body)
			.retrieve()
			.body(String.class);
	}

}
