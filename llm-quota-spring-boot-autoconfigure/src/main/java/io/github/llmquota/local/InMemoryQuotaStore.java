package io.github.llmquota.local;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.engine.Admission;
import io.github.llmquota.engine.AdmissionListener;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.PriorityClass;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.engine.Ticket;
import io.github.llmquota.engine.TicketState;

/**
 * A {@link QuotaStore} for one JVM, with the same decisions as the Redis script: continuous
 * buckets with class reserves, bounded debt, a waiting room in strict class order and FIFO
 * within a class, and leases with a hard expiry. It only sees this JVM's traffic, so use it
 * when one instance talks to a provider organisation.
 */
public class InMemoryQuotaStore implements QuotaStore {

	private final QuotaSettings settings;

	private final LongSupplier clock;

	private final Map<String, PoolState> pools = new ConcurrentHashMap<>();

	private volatile AdmissionListener listener;

	/**
	 * Create a store on the system's monotonic clock.
	 * @param settings the validated settings
	 */
	public InMemoryQuotaStore(QuotaSettings settings) {
		this(settings, () -> System.nanoTime() / 1_000_000);
	}

	/**
	 * Create a store on the given clock.
	 * @param settings the validated settings
	 * @param clock the time in milliseconds, monotonic
	 */
	public InMemoryQuotaStore(QuotaSettings settings, LongSupplier clock) {
		this.settings = settings;
		this.clock = clock;
	}

	@Override
	public void start(String workerId, AdmissionListener listener) {
		this.listener = listener;
	}

	@Override
	public void stop() {
		this.listener = null;
	}

	@Override
	public Admission acquire(PoolSpec pool, Ticket ticket) {
		return state(pool).acquire(ticket);
	}

	@Override
	public void settle(PoolSpec pool, String leaseId, long[] delta) {
		state(pool).settle(leaseId, delta);
	}

	@Override
	public void cancel(PoolSpec pool, String ticketId) {
		state(pool).cancel(ticketId);
	}

	@Override
	public PollResult poll(PoolSpec pool, List<String> ticketIds) {
		return state(pool).poll(ticketIds);
	}

	int waitingTickets(PoolSpec pool) {
		PoolState state = state(pool);
		synchronized (state) {
			return state.queue.size();
		}
	}

	private PoolState state(PoolSpec pool) {
		return this.pools.computeIfAbsent(pool.name(), (name) -> new PoolState(pool));
	}

	private final class PoolState {

		private static final long CLASS = 1L << 40;

		private final PoolSpec pool;

		private final double[] used;

		private double at;

		private long sequence;

		private final TreeMap<Long, Ticket> queue = new TreeMap<>();

		private final Map<String, Long> queued = new HashMap<>();

		private final Map<String, Ticket> granted = new HashMap<>();

		private final Map<String, Long> leases = new HashMap<>();

		private final Map<String, Long> deadlines = new HashMap<>();

		PoolState(PoolSpec pool) {
			this.pool = pool;
			this.used = new double[pool.rates().size()];
			this.at = InMemoryQuotaStore.this.clock.getAsLong();
		}

		Admission acquire(Ticket ticket) {
			List<Runnable> news = new ArrayList<>();
			Admission admission;
			synchronized (this) {
				long now = advance();
				admission = decide(ticket, now, news);
			}
			news.forEach(Runnable::run);
			return admission;
		}

		private Admission decide(Ticket ticket, long now, List<Runnable> news) {
			if (this.queue.isEmpty()) {
				double eta = blocked(ticket, now);
				if (eta == 0) {
					admit(ticket, now);
					return Admission.granted();
				}
				if (ticket.maxWaitMillis() <= 0 || eta > ticket.maxWaitMillis()) {
					return Admission.rejected(RejectionReason.DEADLINE, delay(eta));
				}
			}
			long inClass = this.queue.subMap(ticket.rank() * CLASS, (ticket.rank() + 1) * CLASS).size();
			PriorityClass priorityClass = InMemoryQuotaStore.this.settings.classes().get(ticket.rank());
			if (inClass >= priorityClass.queueCapacity()) {
				return Admission.rejected(RejectionReason.QUEUE_FULL, delay(Math.max(blocked(ticket, now), 0)));
			}
			if (this.queue.size() >= InMemoryQuotaStore.this.settings.queueCapacity()) {
				Map.Entry<Long, Ticket> last = this.queue.lastEntry();
				if (last.getKey() / CLASS > ticket.rank()) {
					// Shed the lowest-ranked ticket only when it is strictly lower in class.
					unqueue(last.getValue().id());
					news.add(() -> listener().dropped(this.pool.name(), last.getValue().id(), true));
				}
				else {
					return Admission.rejected(RejectionReason.QUEUE_FULL, delay(Math.max(blocked(ticket, now), 0)));
				}
			}
			long score = ticket.rank() * CLASS + (++this.sequence);
			this.queue.put(score, ticket);
			this.queued.put(ticket.id(), score);
			this.deadlines.put(ticket.id(), now + ticket.maxWaitMillis());
			Head head = pump(now, ticket.id(), news);
			if (!this.queued.containsKey(ticket.id()) && this.leases.containsKey(ticket.id())) {
				this.granted.remove(ticket.id());
				return Admission.granted();
			}
			boolean ownHead = head != null && head.ticket.id().equals(ticket.id());
			if (ticket.maxWaitMillis() <= 0 || (ownHead && head.eta > ticket.maxWaitMillis())) {
				unqueue(ticket.id());
				double eta = ownHead ? head.eta : blocked(ticket, now);
				return Admission.rejected(RejectionReason.DEADLINE, delay(Math.max(eta, 0)));
			}
			// One JVM owns every ticket here, so the caller always owns the head.
			return Admission.waiting((head != null) ? delay(head.eta) : Admission.NONE);
		}

		void settle(String leaseId, long[] delta) {
			List<Runnable> news = new ArrayList<>();
			synchronized (this) {
				long now = advance();
				this.leases.remove(leaseId);
				this.granted.remove(leaseId);
				for (int i = 0; i < this.used.length; i++) {
					// Usage above the reservation is debt, bounded to one extra bucket.
					double bound = this.pool.rates().get(i).capacity() * 2;
					this.used[i] = Math.min(Math.max(this.used[i] + delta[i], 0), bound);
				}
				Head head = pump(now, null, news);
				announce(head, news);
			}
			news.forEach(Runnable::run);
		}

		void cancel(String ticketId) {
			List<Runnable> news = new ArrayList<>();
			synchronized (this) {
				long now = advance();
				if (this.queued.containsKey(ticketId)) {
					unqueue(ticketId);
				}
				else {
					Ticket grant = this.granted.remove(ticketId);
					if (grant != null) {
						// Granted while the owner gave up: hand everything back.
						for (int i = 0; i < this.used.length; i++) {
							this.used[i] = Math.max(0, this.used[i] - grant.cost()[i]);
						}
						this.leases.remove(ticketId);
					}
				}
				announce(pump(now, null, news), news);
			}
			news.forEach(Runnable::run);
		}

		PollResult poll(List<String> ticketIds) {
			List<Runnable> news = new ArrayList<>();
			PollResult result;
			synchronized (this) {
				long now = advance();
				Head head = pump(now, null, news);
				List<TicketState> states = new ArrayList<>(ticketIds.size());
				for (String id : ticketIds) {
					states.add(this.queued.containsKey(id) ? TicketState.WAITING
							: this.granted.containsKey(id) ? TicketState.GRANTED : TicketState.DROPPED);
				}
				result = new PollResult(states, (head != null) ? delay(head.eta) : Admission.NONE);
			}
			news.forEach(Runnable::run);
			return result;
		}

		private Head pump(long now, String own, List<Runnable> news) {
			while (!this.queue.isEmpty()) {
				Ticket head = this.queue.firstEntry().getValue();
				if (this.deadlines.get(head.id()) < now) {
					unqueue(head.id());
					news.add(() -> listener().dropped(this.pool.name(), head.id(), false));
					continue;
				}
				double eta = blocked(head, now);
				if (eta != 0) {
					return new Head(head, eta);
				}
				admit(head, now);
				unqueue(head.id());
				this.granted.put(head.id(), head);
				if (!head.id().equals(own)) {
					news.add(() -> listener().granted(this.pool.name(), head.id()));
				}
			}
			return null;
		}

		private void announce(Head head, List<Runnable> news) {
			if (head != null) {
				long delay = delay(head.eta);
				news.add(() -> listener().head(this.pool.name(), delay));
			}
		}

		// How long until the ticket fits: 0 = now, -1 = unknown (waits for a lease to end).
		private double blocked(Ticket ticket, long now) {
			double eta = 0;
			double allowedShare = 1 - InMemoryQuotaStore.this.settings.classes().get(ticket.rank()).reserve();
			for (int i = 0; i < this.used.length; i++) {
				double allowed = this.pool.rates().get(i).capacity() * allowedShare;
				double need = Math.min(ticket.cost()[i], allowed);
				double over = this.used[i] + need - allowed;
				if (over > 1e-9) {
					eta = Math.max(eta, over / this.pool.rates().get(i).ratePerMilli());
				}
			}
			// A slot comes back when a call ends, which nobody can predict; settle pumps the queue.
			if (this.pool.maxConcurrency() > 0 && this.leases.size() >= this.pool.maxConcurrency()) {
				return -1;
			}
			return eta;
		}

		private void admit(Ticket ticket, long now) {
			for (int i = 0; i < this.used.length; i++) {
				this.used[i] += ticket.cost()[i];
			}
			this.leases.put(ticket.id(), now + InMemoryQuotaStore.this.settings.leaseTimeout().toMillis());
		}

		private void unqueue(String id) {
			Long score = this.queued.remove(id);
			if (score != null) {
				this.queue.remove(score);
			}
			this.deadlines.remove(id);
		}

		private long advance() {
			long now = InMemoryQuotaStore.this.clock.getAsLong();
			double elapsed = Math.max(0, now - this.at);
			for (int i = 0; i < this.used.length; i++) {
				this.used[i] = Math.max(0, this.used[i] - elapsed * this.pool.rates().get(i).ratePerMilli());
			}
			this.at = Math.max(this.at, now);
			this.leases.values().removeIf((expiry) -> expiry <= now);
			this.granted.keySet().retainAll(this.leases.keySet());
			return now;
		}

		private static long delay(double eta) {
			return (eta < 0) ? Admission.UNKNOWN : (long) Math.ceil(eta);
		}

		private AdmissionListener listener() {
			AdmissionListener listener = InMemoryQuotaStore.this.listener;
			return (listener != null) ? listener : NO_LISTENER;
		}

	}

	private record Head(Ticket ticket, double eta) {
	}

	private static final AdmissionListener NO_LISTENER = new AdmissionListener() {

		@Override
		public void granted(String pool, String ticketId) {
		}

		@Override
		public void dropped(String pool, String ticketId, boolean shed) {
		}

		@Override
		public void head(String pool, long delayMillis) {
		}

	};

}
