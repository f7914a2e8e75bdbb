package io.github.llmquota.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.dao.RecoverableDataAccessException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * How {@link CallCombiner} groups calls: alone when nothing is under way, together while
 * something is, and never leaving a call without an end. The batches are recorded by a
 * send function that the tests hold at will; what a batch does in Redis is tested in
 * {@code RedisCallBatchTests}.
 */
class CallCombinerTests {

	private final ExecutorService threads = Executors.newCachedThreadPool();

	private final List<List<String>> batches = new CopyOnWriteArrayList<>();

	private final CountDownLatch firstBatchSent = new CountDownLatch(1);

	private final CompletableFuture<Void> firstBatchMayEnd = new CompletableFuture<>();

	@AfterEach
	void stop() {
		this.firstBatchMayEnd.complete(null);
		this.threads.shutdownNow();
	}

	@Test
	void callMadeWhileNoneIsUnderWayIsSentAloneAtOnce() {
		CallCombiner<String, String> combiner = new CallCombiner<>(8, 1000);
		assertThat(combiner.call("a", this::reply)).isEqualTo("a!");
		assertThat(combiner.call("b", this::reply)).isEqualTo("b!");
		assertThat(this.batches).containsExactly(List.of("a"), List.of("b"));
	}

	@Test
	void callsMadeWhileOneIsUnderWayAreSentTogetherAndEachGetsItsOwnReply() throws Exception {
		CallCombiner<String, String> combiner = new CallCombiner<>(8, 10_000);
		List<Future<String>> made = madeWhileFirstHeld(combiner, this::heldReply, List.of("b", "c", "d"));

		for (int i = 0; i < 4; i++) {
			assertThat(made.get(i).get(10, TimeUnit.SECONDS)).isEqualTo(List.of("first", "b", "c", "d").get(i) + "!");
		}
		assertThat(this.batches).hasSize(2);
		assertThat(this.batches.get(1)).containsExactlyInAnyOrder("b", "c", "d");
	}

	@Test
	void batchTakesNoMoreCallsThanItsBoundAndTheRestFollowInTheNext() throws Exception {
		CallCombiner<String, String> combiner = new CallCombiner<>(2, 10_000);
		for (Future<String> call : madeWhileFirstHeld(combiner, this::heldReply, List.of("b", "c", "d"))) {
			call.get(10, TimeUnit.SECONDS);
		}
		assertThat(this.batches).extracting(List::size).containsExactly(1, 2, 1);
	}

	@Test
	void failedBatchFailsEveryCallInItAndTheNextBatchIsStillSent() throws Exception {
		CallCombiner<String, String> combiner = new CallCombiner<>(2, 10_000);
		Function<List<String>, List<String>> failingSecond = (calls) -> {
			if (this.batches.size() == 1) {
				this.batches.add(calls);
				throw new RecoverableDataAccessException("batch " + calls + " failed");
			}
			return heldReply(calls);
		};
		List<Future<String>> made = madeWhileFirstHeld(combiner, failingSecond, List.of("b", "c", "d"));
		made.get(0).get(10, TimeUnit.SECONDS);

		List<String> failed = new ArrayList<>();
		List<String> answered = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			try {
				answered.add(made.get(i + 1).get(10, TimeUnit.SECONDS));
			}
			catch (ExecutionException ex) {
				assertThat(ex.getCause()).isInstanceOf(RecoverableDataAccessException.class);
				failed.add(List.of("b", "c", "d").get(i));
			}
		}
		assertThat(failed).containsExactlyInAnyOrderElementsOf(this.batches.get(1));
		assertThat(answered).hasSize(1);
		assertThat(this.batches).hasSize(3);
	}

	@Test
	void whenRedisDidNotAnswerABatchTheCallsWaitingFailWithoutBeingSent() throws Exception {
		CallCombiner<String, String> combiner = new CallCombiner<>(8, 10_000);
		Function<List<String>, List<String>> stalled = (calls) -> {
			heldReply(calls);
			throw new QueryTimeoutException("Redis did not answer");
		};
		for (Future<String> call : madeWhileFirstHeld(combiner, stalled, List.of("b", "c"))) {
			assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> call.get(10, TimeUnit.SECONDS))
				.withCauseInstanceOf(QueryTimeoutException.class);
		}
		assertThat(this.batches).containsExactly(List.of("first"));
		// Nothing is left waiting or sending: the next call goes at once.
		assertThat(combiner.call("next", this::reply)).isEqualTo("next!");
	}

	@Test
	void callThatWaitsLongerThanItsBoundGivesUpAndIsNeverSent() throws Exception {
		CallCombiner<String, String> combiner = new CallCombiner<>(8, 100);
		Future<String> first = this.threads.submit(() -> combiner.call("first", this::heldReply));
		assertThat(this.firstBatchSent.await(10, TimeUnit.SECONDS)).isTrue();

		assertThatExceptionOfType(QueryTimeoutException.class).isThrownBy(() -> combiner.call("late", this::heldReply))
			.withMessageContaining("waited 100 ms for the pool's previous Redis call");
		this.firstBatchMayEnd.complete(null);
		assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("first!");
		assertThat(combiner.call("next", this::reply)).isEqualTo("next!");
		assertThat(this.batches).containsExactly(List.of("first"), List.of("next"));
	}

	// Sends "first", makes the calls while its batch is held (each waits before the next
	// is made), then lets that batch end; the futures, "first"'s first.
	private List<Future<String>> madeWhileFirstHeld(CallCombiner<String, String> combiner,
			Function<List<String>, List<String>> send, List<String> calls) throws InterruptedException {
		List<Future<String>> made = new ArrayList<>();
		made.add(this.threads.submit(() -> combiner.call("first", send)));
		assertThat(this.firstBatchSent.await(10, TimeUnit.SECONDS)).isTrue();
		for (String call : calls) {
			made.add(this.threads.submit(() -> combiner.call(call, send)));
			awaitWaiting(combiner, made.size() - 1);
		}
		this.firstBatchMayEnd.complete(null);
		return made;
	}

	private List<String> reply(List<String> calls) {
		this.batches.add(calls);
		return calls.stream().map((call) -> call + "!").toList();
	}

	// The first batch is held until the test lets it end; the others are answered at
	// once.
	private List<String> heldReply(List<String> calls) {
		List<String> replies = reply(calls);
		if (this.batches.size() == 1) {
			this.firstBatchSent.countDown();
			this.firstBatchMayEnd.join();
		}
		return replies;
	}

	private void awaitWaiting(CallCombiner<?, ?> combiner, int calls) {
		await().atMost(10, TimeUnit.SECONDS).until(() -> combiner.waitingCalls() == calls);
	}

}
