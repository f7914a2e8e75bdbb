package io.github.llmquota.engine;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.test.AdmissionLog;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The admission log's inversion measure, the same in every store that keeps one: it
 * counts, in the step that admits, the higher-class tickets that could have been admitted
 * instead, and it reports the inversions of a deliberately broken (arrival) order.
 * Subclasses supply the store, with its admission log on, and read the log.
 */
public abstract class AdmissionOrderContractTests {

	private static final int CRITICAL = 0;

	private static final int INTERACTIVE = 1;

	private static final int BACKGROUND = 3;

	protected long now = 1_700_000_000_000L;

	private QuotaStore store;

	private int tickets;

	/**
	 * Create the store under test on the test's clock ({@link #now}), with its admission
	 * log on.
	 * @param settings the settings
	 * @param arrivalOrder whether the store's test switch that admits in arrival order
	 * regardless of class is on
	 * @return a store, not yet started
	 */
	protected abstract QuotaStore createStore(QuotaSettings settings, boolean arrivalOrder);

	/**
	 * Read the admission log of a pool of the store under test.
	 * @param pool the pool name
	 * @return the raw entries, oldest first
	 */
	protected abstract List<String> admissionLog(String pool);

	@AfterEach
	void stopStore() {
		if (this.store != null) {
			this.store.stop();
		}
	}

	@Test
	void waitingHigherClassIsAdmittedFirstAndNoAdmissionIsAnInversion() {
		PoolSpec pool = saturatedPool(false);
		Ticket background = waiting(BACKGROUND, 1);
		Ticket critical = waiting(CRITICAL, 1);

		List<String> order = grantOrder(pool, background, critical);

		assertThat(order).containsExactly(critical.id(), background.id());
		assertThat(AdmissionLog.parse(admissionLog("order"))).filteredOn(AdmissionLog.Entry::wasQueued)
			.extracting(AdmissionLog.Entry::ticket, AdmissionLog.Entry::overtaken)
			.containsExactly(tuple(critical.id(), 0), tuple(background.id(), 0));
		assertThat(AdmissionLog.inversions(admissionLog("order"))).isEmpty();
	}

	@Test
	void arrivalOrderSwitchAdmitsRegardlessOfClassAndTheLogReportsTheInversion() {
		PoolSpec pool = saturatedPool(true);
		Ticket background = waiting(BACKGROUND, 1);
		Ticket critical = waiting(CRITICAL, 1);

		List<String> order = grantOrder(pool, background, critical);

		assertThat(order).containsExactly(background.id(), critical.id());
		assertThat(AdmissionLog.inversions(admissionLog("order"))).singleElement().satisfies((inversion) -> {
			assertThat(inversion.ticket()).isEqualTo(background.id());
			assertThat(inversion.rank()).isEqualTo(BACKGROUND);
			assertThat(inversion.overtaken()).isEqualTo(1);
		});
	}

	@Test
	void onlyHigherClassTicketsThatCouldHaveBeenAdmittedCountAsOvertaken() {
		// 1000 tokens per minute; background may only fill 70 % of the bucket,
		// interactive 95 %.
		QuotaSettings settings = TestSettings.pool("fit").limit(Dimension.INPUT_TOKENS_PER_MINUTE, 1000).build();
		PoolSpec pool = start(settings, true);
		this.store.acquire(pool, ticket(CRITICAL, 0, 1000));
		Ticket background = waiting(BACKGROUND, 100);
		Ticket tooLarge = waiting(CRITICAL, 500);
		Ticket small = waiting(INTERACTIVE, 50);
		List<String> ids = List.of(background.id(), tooLarge.id(), small.id());
		for (Ticket ticket : List.of(background, tooLarge, small)) {
			assertThat(this.store.acquire(pool, ticket).status()).isEqualTo(Admission.Status.WAITING);
		}

		// 417 tokens drained: background (583 + 100 <= 700) and the small interactive
		// ticket fit; the large critical one (583 + 500 > 1000) does not.
		this.now += 25_000;
		List<TicketState> states = this.store.poll(pool, ids).states();

		assertThat(states.get(0)).isEqualTo(TicketState.GRANTED);
		assertThat(AdmissionLog.parse(admissionLog("fit")))
			.filteredOn((entry) -> entry.ticket().equals(background.id()))
			.singleElement()
			.extracting(AdmissionLog.Entry::overtaken)
			.isEqualTo(1);
	}

	// A pool of one request per second whose bucket the test has just emptied.
	private PoolSpec saturatedPool(boolean arrivalOrder) {
		PoolSpec pool = start(TestSettings.pool("order").limit(Dimension.REQUESTS_PER_MINUTE, 60).noReserves().build(),
				arrivalOrder);
		for (int i = 0; i < 60; i++) {
			assertThat(this.store.acquire(pool, ticket(CRITICAL, 0, 1)).status()).isEqualTo(Admission.Status.GRANTED);
		}
		return pool;
	}

	// Queue the tickets in this order, then let one request refill per second until all
	// are in.
	private List<String> grantOrder(PoolSpec pool, Ticket... arrivals) {
		List<String> ids = new ArrayList<>();
		for (Ticket ticket : arrivals) {
			assertThat(this.store.acquire(pool, ticket).status()).isEqualTo(Admission.Status.WAITING);
			ids.add(ticket.id());
		}
		List<String> order = new ArrayList<>();
		for (int second = 1; second <= arrivals.length; second++) {
			this.now += 1000;
			List<TicketState> states = this.store.poll(pool, ids).states();
			for (int i = 0; i < ids.size(); i++) {
				if (states.get(i) == TicketState.GRANTED && !order.contains(ids.get(i))) {
					order.add(ids.get(i));
				}
			}
		}
		return order;
	}

	private PoolSpec start(QuotaSettings settings, boolean arrivalOrder) {
		this.store = createStore(settings, arrivalOrder);
		this.store.start("w1", AdmissionListener.none());
		return settings.pools().values().iterator().next();
	}

	// A ticket that may wait for ten minutes.
	private Ticket waiting(int rank, long... cost) {
		return ticket(rank, 600_000, cost);
	}

	private Ticket ticket(int rank, long maxWait, long... cost) {
		return new Ticket("w1." + (++this.tickets), "w1", rank, cost, maxWait, "model", null);
	}

}
