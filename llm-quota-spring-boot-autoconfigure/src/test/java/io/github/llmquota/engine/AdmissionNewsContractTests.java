package io.github.llmquota.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What a store tells a JVM about its waiting tickets without being asked: grants (in
 * which order, re-entries included), drops, tickets failed by an exhausted pool, and a
 * new blocked head. A waiting caller is woken by this news, not by its next heartbeat, so
 * no poll is made here before the news is expected. Subclasses supply the store.
 */
public abstract class AdmissionNewsContractTests extends AbstractStoreContractTests {

	private final List<String> news = new CopyOnWriteArrayList<>();

	@Test
	void leaseThatEndsHandsItsSlotToTheWaitingTicketAndTellsItsJvm() {
		PoolSpec pool = start(
				TestSettings.pool("news-grant").limit(Dimension.REQUESTS_PER_MINUTE, 1000).maxConcurrency(1));
		Ticket first = ticket(CRITICAL, 0, 1);
		assertThat(this.store.acquire(pool, first).status()).isEqualTo(Admission.Status.GRANTED);
		Ticket waiting = ticket(CRITICAL, 60_000, 1);
		assertThat(this.store.acquire(pool, waiting).status()).isEqualTo(Admission.Status.WAITING);

		this.store.settle(pool, new Settlement(first.id(), "model", new long[1], null, null, PoolFeedback.none()));

		awaitNews("granted news-grant " + waiting.id());
	}

	@Test
	void withdrawnHeadMakesTheNextTicketTheHeadAndTellsItsJvm() {
		PoolSpec pool = start(TestSettings.pool("news-head").limit(Dimension.REQUESTS_PER_MINUTE, 60).noReserves());
		grant(pool, 60);
		Ticket head = ticket(CRITICAL, 600_000, 1);
		Ticket next = ticket(CRITICAL, 600_000, 1);
		this.store.acquire(pool, head);
		this.store.acquire(pool, next);
		this.news.clear();

		this.store.cancel(pool, head.id());

		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(this.news)
				.anySatisfy((item) -> assertThat(item).startsWith("head news-head ").endsWith(" " + next.id())));
	}

	@Test
	void refundThatBringsTheBlockedHeadCloserTellsItsJvmTheNewDelay() {
		// 60,000 tokens a minute: one token a millisecond, so every delay below is exact.
		PoolSpec pool = start(
				TestSettings.pool("news-closer").limit(Dimension.INPUT_TOKENS_PER_MINUTE, 60_000).noReserves());
		Ticket big = ticket(CRITICAL, 0, 60_000);
		this.store.acquire(pool, big);
		Ticket head = ticket(CRITICAL, 600_000, 1_000);
		assertThat(this.store.acquire(pool, head).delayMillis()).isEqualTo(1_000);

		this.store.settle(pool,
				new Settlement(big.id(), "model", new long[] { -500 }, null, null, PoolFeedback.none()));

		awaitNews("head news-closer 500 " + head.id());
	}

	@Test
	void ticketWhoseWaitRanOutIsDroppedAndItsJvmIsToldItExpired() {
		PoolSpec pool = start(TestSettings.pool("news-expired").limit(Dimension.REQUESTS_PER_MINUTE, 60).noReserves());
		grant(pool, 60);
		Ticket expiring = ticket(CRITICAL, 1_500, 1);
		assertThat(this.store.acquire(pool, expiring).status()).isEqualTo(Admission.Status.WAITING);
		Ticket behind = ticket(CRITICAL, 600_000, 5);
		this.store.acquire(pool, behind);

		this.now += 1_501;
		this.store.poll(pool, List.of(behind.id()));

		awaitNews("dropped news-expired " + expiring.id() + " expired");
	}

	@Test
	void higherClassArrivingAtAFullWaitingRoomShedsTheNewestLowestTicketAndTellsItsJvm() {
		PoolSpec pool = start(TestSettings.pool("news-shed").limit(Dimension.REQUESTS_PER_MINUTE, 1).queueCapacity(2));
		grant(pool, 1);
		Ticket older = ticket(BACKGROUND, 600_000, 1);
		Ticket newer = ticket(BACKGROUND, 600_000, 1);
		this.store.acquire(pool, older);
		this.store.acquire(pool, newer);

		assertThat(this.store.acquire(pool, ticket(CRITICAL, 600_000, 1)).status()).isEqualTo(Admission.Status.WAITING);

		awaitNews("dropped news-shed " + newer.id() + " shed");
		assertThat(this.news).noneMatch((item) -> item.contains(older.id()));
	}

	@Test
	void reEnteringTicketGoesBeforeLaterArrivalsOfItsClassButAfterAHigherClass() {
		assertThat(grantOrderAfterAReEntry()).containsExactly("higher class, arrived later", "re-entry",
				"same class, arrived later");
	}

	/**
	 * Admit a call, queue one of its class and one of a higher class behind it, then make
	 * it re-enter with the arrival it was given, as a governed attempt does after a 429,
	 * and free the single slot three times.
	 * @return the waiting tickets in the order they were granted
	 */
	protected List<String> grantOrderAfterAReEntry() {
		PoolSpec pool = start(TestSettings.pool("news-reentry")
			.limit(Dimension.REQUESTS_PER_MINUTE, 1000)
			.maxConcurrency(1)
			.noReserves());
		Ticket first = ticket(NORMAL, 0, 1);
		Admission admitted = this.store.acquire(pool, first);
		assertThat(admitted.status()).isEqualTo(Admission.Status.GRANTED);
		assertThat(admitted.arrival()).isPositive();
		Ticket later = ticket(NORMAL, 600_000, 1);
		Ticket higher = ticket(CRITICAL, 600_000, 1);
		Ticket reEntry = new Ticket(nextTicketId(), "w1", NORMAL, new long[] { 1 }, 600_000, "model", null,
				admitted.arrival());
		Map<String, String> names = Map.of(later.id(), "same class, arrived later", higher.id(),
				"higher class, arrived later", reEntry.id(), "re-entry");
		for (Ticket ticket : List.of(later, higher, reEntry)) {
			assertThat(this.store.acquire(pool, ticket).status()).isEqualTo(Admission.Status.WAITING);
		}
		List<String> order = new ArrayList<>();
		String lease = first.id();
		for (int i = 0; i < names.size(); i++) {
			this.news.clear();
			this.store.settle(pool, new Settlement(lease, "model", new long[1], null, null, PoolFeedback.none()));
			await().atMost(Duration.ofSeconds(10))
				.until(() -> this.news.stream().anyMatch((n) -> n.startsWith("granted")));
			lease = this.news.stream().filter((n) -> n.startsWith("granted")).findFirst().orElseThrow().split(" ")[2];
			order.add(names.get(lease));
		}
		return order;
	}

	@Test
	void exhaustedProviderQuotaFailsEveryWaitingTicketAtOnceAndTellsTheirJvm() {
		PoolSpec pool = start(
				TestSettings.pool("news-exhausted").limit(Dimension.REQUESTS_PER_MINUTE, 1000).maxConcurrency(1));
		Ticket first = ticket(CRITICAL, 0, 1);
		this.store.acquire(pool, first);
		Ticket critical = ticket(CRITICAL, 600_000, 1);
		Ticket background = ticket(BACKGROUND, 600_000, 1);
		this.store.acquire(pool, critical);
		this.store.acquire(pool, background);

		this.store.settle(pool, new Settlement(first.id(), "model", new long[1], null, null,
				new PoolFeedback(PoolFeedback.Kind.EXHAUSTED, 60_000, null, null, "spend cap reached")));

		awaitNews("exhausted news-exhausted " + critical.id());
		awaitNews("exhausted news-exhausted " + background.id());
		assertThat(this.news).noneMatch((item) -> item.startsWith("granted"));
		assertThat(this.store.poll(pool, List.of(critical.id())).states()).containsExactly(TicketState.EXHAUSTED);
		assertThat(this.store.snapshot(pool).queued()).containsOnly(0);
		Admission rejected = this.store.acquire(pool, ticket(CRITICAL, 600_000, 1));
		assertThat(rejected.reason()).isEqualTo(RejectionReason.QUOTA_EXHAUSTED);
		assertThat(rejected.delayMillis()).isEqualTo(60_000);
	}

	private void awaitNews(String expected) {
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(this.news).contains(expected));
	}

	// Started with a listener that records the news.
	private PoolSpec start(TestSettings settings) {
		return start(settings.build(), new AdmissionListener() {

			@Override
			public void granted(String pool, String ticketId, long arrival) {
				AdmissionNewsContractTests.this.news.add("granted " + pool + " " + ticketId);
			}

			@Override
			public void dropped(String pool, String ticketId, boolean shed) {
				AdmissionNewsContractTests.this.news
					.add("dropped " + pool + " " + ticketId + (shed ? " shed" : " expired"));
			}

			@Override
			public void exhausted(String pool, String ticketId) {
				AdmissionNewsContractTests.this.news.add("exhausted " + pool + " " + ticketId);
			}

			@Override
			public void head(String pool, long delayMillis, String ticketId) {
				AdmissionNewsContractTests.this.news.add("head " + pool + " " + delayMillis + " " + ticketId);
			}

		});
	}

}
