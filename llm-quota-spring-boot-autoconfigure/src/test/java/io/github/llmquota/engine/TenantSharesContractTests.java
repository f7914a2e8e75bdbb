package io.github.llmquota.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Weighted fair shares between tenants inside a priority class, the same in every store:
 * a backlogged class's admitted tokens go to its tenants in proportion to their weights,
 * whatever each offers; each tenant's own tickets keep their arrival order; a late tenant
 * gets its share at once; a higher class still goes first. Time is driven by the test,
 * one second per step, and shares are counted in admitted tokens: no timed assertion.
 * Subclasses supply the stores, sharing one pool state (several JVMs of a fleet, or one).
 */
public abstract class TenantSharesContractTests {

	private static final int CRITICAL = 0;

	private static final int NORMAL = 2;

	// 60,000 input tokens per minute, refilled at 1,000 a second; the bucket holds a
	// minute, its refill horizon.
	private static final long LIMIT = 60_000;

	private static final int HORIZON_STEPS = 60;

	protected long now = 1_700_000_000_000L;

	private List<? extends QuotaStore> stores;

	private PoolSpec pool;

	private int tickets;

	// Per tenant, its tickets in arrival order, and the tokens admitted per step.
	private final Map<String, List<Ticket>> arrivals = new LinkedHashMap<>();

	private final Map<String, List<Long>> admitted = new HashMap<>();

	private final Map<QuotaStore, List<Ticket>> waiting = new HashMap<>();

	private int step;

	private final Map<String, List<Ticket>> grantOrder = new HashMap<>();

	/**
	 * Create the stores under test, on the test's clock ({@link #now}), sharing one
	 * pool's state; they are started here.
	 * @param settings the settings
	 * @param fifo whether the stores' test switch that makes every class wait in arrival
	 * order again, whatever the tenants, is on
	 * @return the stores, not yet started
	 */
	protected abstract List<? extends QuotaStore> createStores(QuotaSettings settings, boolean fifo);

	@AfterEach
	void stopStores() {
		if (this.stores != null) {
			this.stores.forEach(QuotaStore::stop);
		}
	}

	@Test
	void equalWeightsShareTheClassEquallyInTokensWhenOneTenantOffersTenTimesTheOther() {
		start(false);
		// 6,000 and 600 tokens a second offered, in requests of 500 and 100 tokens,
		// against 1,000 admitted a second: both stay backlogged.
		runSteps(HORIZON_STEPS, Map.of("heavy", new Offer(12, 500, 1), "light", new Offer(6, 100, 1)));

		double light = shareOf("light", 0, this.step);
		assertThat(light).isCloseTo(0.5, within(0.05));
		assertThat(jain(Map.of("heavy", 1.0, "light", 1.0), 0, this.step)).isGreaterThanOrEqualTo(0.95);
	}

	@Test
	void weightsThreeToOneGiveThreeQuartersOfTheTokens() {
		start(false);
		runSteps(HORIZON_STEPS, Map.of("gold", new Offer(6, 300, 3), "basic", new Offer(6, 300, 1)));

		assertThat(shareOf("gold", 0, this.step)).isCloseTo(0.75, within(0.05));
		assertThat(jain(Map.of("gold", 3.0, "basic", 1.0), 0, this.step)).isGreaterThanOrEqualTo(0.95);
	}

	@Test
	void aLateTenantGetsItsShareWithinOneRefillHorizon() {
		start(false);
		Map<String, Offer> early = Map.of("a", new Offer(6, 400, 1), "b", new Offer(6, 400, 1));
		runSteps(HORIZON_STEPS, early);
		int arrived = this.step;
		Map<String, Offer> all = new HashMap<>(early);
		all.put("late", new Offer(6, 400, 1));
		runSteps(HORIZON_STEPS, all);

		assertThat(shareOf("late", arrived, this.step)).isCloseTo(1.0 / 3, within(0.05));
		// Its first tokens come in the first step after it arrived, not after the
		// backlog of the others.
		assertThat(this.admitted.get("late").get(arrived)).isPositive();
	}

	@Test
	void aHigherClassStillGoesFirst() {
		start(false);
		runSteps(10, Map.of("heavy", new Offer(12, 500, 1), "light", new Offer(6, 100, 1)));
		Ticket critical = new Ticket("w0." + (++this.tickets), "w0", CRITICAL, new long[] { 500 }, 600_000, "model",
				null, 0, new TenantShare("light", 1, 500));
		QuotaStore store = this.stores.get(0);
		assertThat(store.acquire(this.pool, critical).status()).isEqualTo(Admission.Status.WAITING);

		this.now += 1000;
		assertThat(store.poll(this.pool, List.of(critical.id())).states()).containsExactly(TicketState.GRANTED);
	}

	@Test
	void fairnessCheckFailsWhenTheClassWaitsInArrivalOrder() {
		start(true);
		runSteps(HORIZON_STEPS, Map.of("heavy", new Offer(12, 500, 1), "light", new Offer(6, 100, 1)));

		// The check of the first test, broken: in arrival order the light tenant gets
		// the part of the tokens it offers, a tenth.
		assertThat(shareOf("light", 0, this.step)).isNotCloseTo(0.5, within(0.05));
		assertThat(jain(Map.of("heavy", 1.0, "light", 1.0), 0, this.step)).isLessThan(0.95);
	}

	private void start(boolean fifo) {
		QuotaSettings settings = TestSettings.pool("tenants")
			.limit(Dimension.INPUT_TOKENS_PER_MINUTE, LIMIT)
			.noReserves()
			.classQueueCapacity(10_000)
			.queueCapacity(10_000)
			.tenants(TenantWeights.EQUAL)
			.build();
		this.stores = createStores(settings, fifo);
		for (int i = 0; i < this.stores.size(); i++) {
			this.stores.get(i).start("w" + i, AdmissionListener.none());
			this.waiting.put(this.stores.get(i), new ArrayList<>());
		}
		this.pool = settings.pools().values().iterator().next();
		// Empty the bucket, so that everything after waits for its refill.
		Ticket drain = new Ticket("w0.drain", "w0", CRITICAL, new long[] { LIMIT }, 0, "model", null, 0,
				new TenantShare("-", 1, LIMIT));
		assertThat(this.stores.get(0).acquire(this.pool, drain).status()).isEqualTo(Admission.Status.GRANTED);
	}

	// Each step: the tenants' new tickets arrive, spread over the stores, then a second
	// passes and every store polls its waiting tickets.
	private void runSteps(int steps, Map<String, Offer> offers) {
		for (int s = 0; s < steps; s++) {
			this.admitted.values().forEach((perStep) -> perStep.add(0L));
			int store = 0;
			for (Map.Entry<String, Offer> offer : new TreeMap<>(offers).entrySet()) {
				for (int i = 0; i < offer.getValue().requests(); i++) {
					arrive(this.stores.get(store++ % this.stores.size()), offer.getKey(), offer.getValue());
				}
			}
			this.now += 1000;
			for (QuotaStore each : this.stores) {
				List<Ticket> mine = this.waiting.get(each);
				if (!mine.isEmpty()) {
					List<TicketState> states = each.poll(this.pool, mine.stream().map(Ticket::id).toList()).states();
					List<Ticket> still = new ArrayList<>();
					for (int i = 0; i < mine.size(); i++) {
						if (states.get(i) == TicketState.GRANTED) {
							granted(mine.get(i));
						}
						else {
							assertThat(states.get(i)).isEqualTo(TicketState.WAITING);
							still.add(mine.get(i));
						}
					}
					this.waiting.put(each, still);
				}
			}
			assertEachTenantWasAdmittedInArrivalOrder();
			this.step++;
		}
	}

	private void arrive(QuotaStore store, String tenant, Offer offer) {
		String worker = "w" + this.stores.indexOf(store);
		Ticket ticket = new Ticket(worker + "." + (++this.tickets), worker, NORMAL, new long[] { offer.tokens() },
				600_000, "model", null, 0, new TenantShare(tenant, offer.weight(), offer.tokens()));
		this.arrivals.computeIfAbsent(tenant, (name) -> new ArrayList<>()).add(ticket);
		this.admitted.computeIfAbsent(tenant, (name) -> new ArrayList<>(zeros(this.step + 1)));
		Admission admission = store.acquire(this.pool, ticket);
		if (admission.status() == Admission.Status.GRANTED) {
			granted(ticket);
		}
		else {
			assertThat(admission.status()).isEqualTo(Admission.Status.WAITING);
			this.waiting.get(store).add(ticket);
		}
	}

	private void granted(Ticket ticket) {
		List<Long> perStep = this.admitted.get(ticket.tenant().keyHash());
		perStep.set(this.step, perStep.get(this.step) + ticket.cost()[0]);
		this.grantOrder.computeIfAbsent(ticket.tenant().keyHash(), (name) -> new ArrayList<>()).add(ticket);
	}

	private static List<Long> zeros(int n) {
		List<Long> list = new ArrayList<>();
		for (int i = 0; i < n; i++) {
			list.add(0L);
		}
		return list;
	}

	private long tokens(String tenant, int from, int to) {
		return this.admitted.get(tenant).subList(from, to).stream().mapToLong(Long::longValue).sum();
	}

	private double shareOf(String tenant, int from, int to) {
		long all = this.admitted.keySet().stream().mapToLong((name) -> tokens(name, from, to)).sum();
		return (double) tokens(tenant, from, to) / all;
	}

	// Jain's fairness index of the tokens admitted per unit of weight: 1 when every
	// tenant got exactly its weighted share.
	private double jain(Map<String, Double> weights, int from, int to) {
		double sum = 0;
		double squares = 0;
		for (Map.Entry<String, Double> weight : weights.entrySet()) {
			double normalised = tokens(weight.getKey(), from, to) / weight.getValue();
			sum += normalised;
			squares += normalised * normalised;
		}
		return sum * sum / (weights.size() * squares);
	}

	// Within a step, several grants of one tenant are seen at once: after every step,
	// each tenant's admitted tickets must be the first of its arrivals.
	private void assertEachTenantWasAdmittedInArrivalOrder() {
		this.grantOrder.forEach((tenant, granted) -> assertThat(granted)
			.containsExactlyInAnyOrderElementsOf(this.arrivals.get(tenant).subList(0, granted.size())));
	}

	private record Offer(int requests, long tokens, double weight) {
	}

}
