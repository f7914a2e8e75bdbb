package io.github.llmquota.engine;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.DimensionReading;
import io.github.llmquota.core.ErrorClass;
import io.github.llmquota.core.ProviderProfile;
import io.github.llmquota.core.ProviderFeedback;
import io.github.llmquota.core.ProviderScope;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;

/**
 * A lease that settles through the store. Ending it never throws into the caller's code:
 * a store failure is logged, and the lease's hard expiry frees the slot.
 */
class DefaultQuotaLease implements QuotaLease {

	private static final Log logger = LogFactory.getLog(DefaultQuotaLease.class);

	private final QuotaStore store;

	private final ModelSpec model;

	private final QuotaRequest request;

	private final Ticket ticket;

	private final long arrival;

	private final AtomicBoolean ended = new AtomicBoolean();

	private final EndListener endListener;

	private final FeedbackSettings feedbackSettings;

	private final BudgetPlan budgets;

	// What the pool was charged so far, per rate: the reservation, then the streaming
	// steps. Guarded by this.
	private long[] charged;

	// What the user's buckets were charged so far, per user limit, or null without a
	// user. Guarded by this.
	private final long[] userCharged;

	// The same for the tenant's own buckets, or null where its tenant has no limits.
	// Guarded by this.
	private final long[] tenantCharged;

	// In the cost budgets, micro-units: what the streaming steps spent so far, and what
	// is left of the reservation. Guarded by this.
	private long budgetSpent;

	private long budgetReserved;

	// Whether a streaming step was sent: only then has the store output in flight to
	// clear at settle. Guarded by this.
	private boolean streamed;

	DefaultQuotaLease(QuotaStore store, ModelSpec model, QuotaRequest request, Ticket ticket, long arrival,
			EndListener endListener, FeedbackSettings feedbackSettings) {
		this(store, model, request, ticket, arrival, endListener, feedbackSettings, BudgetPlan.NONE);
	}

	DefaultQuotaLease(QuotaStore store, ModelSpec model, QuotaRequest request, Ticket ticket, long arrival,
			EndListener endListener, FeedbackSettings feedbackSettings, BudgetPlan budgets) {
		this.store = store;
		this.model = model;
		this.request = request;
		this.ticket = ticket;
		this.arrival = arrival;
		this.endListener = endListener;
		this.feedbackSettings = feedbackSettings;
		this.charged = ticket.cost().clone();
		this.userCharged = (ticket.user() != null) ? ticket.user().cost().clone() : null;
		this.tenantCharged = (ticket.tenantLimit() != null) ? ticket.tenantLimit().cost().clone() : null;
		this.budgets = budgets;
		this.budgetReserved = (ticket.budgets() != null && !ticket.budgets().isEmpty())
				? ticket.budgets().get(0).amountMicros() : 0;
	}

	@Override
	public String id() {
		return this.ticket.id();
	}

	@Override
	public String model() {
		return this.model.name();
	}

	@Override
	public String pool() {
		return this.model.pool().name();
	}

	@Override
	public String apiKey() {
		return this.model.apiKey();
	}

	@Override
	public long arrival() {
		return this.arrival;
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * The input is taken as the request estimated it until the stream's usage says
	 * otherwise at settle. A store that cannot be reached is logged: the stream goes on,
	 * and its lease expires at its timeout if no later step reaches the store.
	 */
	@Override
	public boolean charge(long outputTokens) {
		if (outputTokens < 0) {
			throw new IllegalArgumentException("outputTokens must not be negative, was " + outputTokens);
		}
		// One step at a time, and never one against a lease that settle already ended.
		synchronized (this) {
			if (isEnded()) {
				return false;
			}
			TokenUsage sofar = TokenUsage.of(this.request.inputTokens(), outputTokens);
			long[] delta = growth(this.model.actual(sofar, this.model.pool().costRates()), this.charged);
			UserCharge user = this.ticket.user();
			long[] userDelta = (user != null) ? growth(this.model.actual(sofar, user.limits()), this.userCharged)
					: null;
			UserCharge tenant = this.ticket.tenantLimit();
			long[] tenantDelta = (tenant != null)
					? growth(this.model.actual(sofar, tenant.limits()), this.tenantCharged) : null;
			// What the stream cost so far beyond the earlier steps moves from the
			// reservation to the spend.
			long spend = Math.max(0, this.budgets.cost(this.model, sofar) - this.budgetSpent);
			long release = Math.min(spend, this.budgetReserved);
			List<BudgetCharge> budgetSpend = budgetSpend(spend, release);
			// Before the call: a step that reached the store and then failed here still
			// left output in flight for settle to clear.
			this.streamed = true;
			try {
				boolean held = this.store.charge(this.model.pool(), id(), delta, outputTokens, user, userDelta,
						budgetSpend, tenant, tenantDelta);
				if (held) {
					add(this.charged, delta);
					if (userDelta != null) {
						add(this.userCharged, userDelta);
					}
					if (tenantDelta != null) {
						add(this.tenantCharged, tenantDelta);
					}
					this.budgetSpent += spend;
					this.budgetReserved -= release;
					noteSpent(budgetSpend);
				}
				return held;
			}
			catch (RuntimeException ex) {
				logger.warn("llm-quota could not charge stream of lease " + id() + " of pool '" + pool() + "': "
						+ ex.getMessage());
				return true;
			}
		}
	}

	@Override
	public void settle(TokenUsage usage, ProviderFeedback feedback) {
		List<RateLimit> rates = this.model.pool().costRates();
		UserCharge user = this.ticket.user();
		UserCharge tenant = this.ticket.tenantLimit();
		end(this.model.actual(usage, rates), (user != null) ? this.model.actual(usage, user.limits()) : null,
				(tenant != null) ? this.model.actual(usage, tenant.limits()) : null, translate(feedback, true), usage,
				this.budgets.cost(this.model, usage));
	}

	@Override
	public void release(CallOutcome outcome, ProviderFeedback feedback) {
		List<RateLimit> rates = this.model.pool().costRates();
		UserCharge user = this.ticket.user();
		UserCharge tenant = this.ticket.tenantLimit();
		// As for the buckets: a call the provider saw is taken to have cost its prompt.
		long cost = (outcome == CallOutcome.NOT_SENT) ? 0
				: this.budgets.cost(this.model, TokenUsage.of(this.request.inputTokens(), 0));
		end(this.model.released(this.request, outcome, rates),
				(user != null) ? this.model.released(this.request, outcome, user.limits()) : null,
				(tenant != null) ? this.model.released(this.request, outcome, tenant.limits()) : null,
				translate(feedback, false), null, cost);
	}

	@Override
	public boolean isEnded() {
		return this.ended.get();
	}

	private void end(long[] actual, long[] userActual, long[] tenantActual, PoolFeedback feedback, TokenUsage usage,
			long cost) {
		boolean streamed;
		long[] charged;
		long[] userCharged;
		long[] tenantCharged;
		List<BudgetCharge> budgetSpend;
		synchronized (this) {
			if (!this.ended.compareAndSet(false, true)) {
				return;
			}
			streamed = this.streamed;
			charged = this.charged.clone();
			userCharged = (this.userCharged != null) ? this.userCharged.clone() : null;
			tenantCharged = (this.tenantCharged != null) ? this.tenantCharged.clone() : null;
			// Spend never goes back: a stream that was charged more than the call cost
			// keeps it spent.
			budgetSpend = budgetSpend(Math.max(0, cost - this.budgetSpent), this.budgetReserved);
		}
		this.endListener.ended(this.model, this.request, usage, feedback.kind());
		UserCharge user = this.ticket.user();
		UserCharge tenant = this.ticket.tenantLimit();
		Settlement settlement = new Settlement(id(), model(), minus(actual, charged), user,
				(user != null) ? minus(userActual, userCharged) : null, feedback, budgetSpend, tenant,
				(tenant != null) ? minus(tenantActual, tenantCharged) : null, streamed);
		try {
			this.store.settle(this.model.pool(), settlement);
			noteSpent(budgetSpend);
		}
		catch (RuntimeException ex) {
			logger.warn("llm-quota could not settle lease " + id() + " of pool '" + pool()
					+ "'; its slot is freed at the lease timeout: " + ex.getMessage());
		}
	}

	private PoolFeedback translate(ProviderFeedback feedback, boolean answered) {
		ErrorClass error = feedback.getErrorClass();
		PoolFeedback.Kind kind;
		if (error == ErrorClass.RATE_LIMITED) {
			kind = PoolFeedback.Kind.RATE_LIMITED;
		}
		else if (error == ErrorClass.QUOTA_EXHAUSTED) {
			kind = PoolFeedback.Kind.EXHAUSTED;
		}
		else if (feedback.isHealthFailure()) {
			kind = PoolFeedback.Kind.OVERLOADED;
		}
		else if (error == ErrorClass.NONE && answered) {
			kind = PoolFeedback.Kind.SUCCESS;
		}
		else {
			kind = PoolFeedback.Kind.NONE;
		}
		List<RateLimit> rates = this.model.pool().rates();
		ProviderProfile profile = ProviderProfile.of(this.model.pool().provider());
		long[] remaining = new long[rates.size()];
		long[] tolerance = new long[rates.size()];
		// A level's readings go to the scope of the chain that mirrors it; a level no
		// scope mirrors tightens the pool, as the tightest reading always did.
		List<ScopeSpec> chain = this.model.pool().scopeChain();
		Set<ProviderScope> mirrored = EnumSet.noneOf(ProviderScope.class);
		chain.forEach((scope) -> {
			if (scope.providerScope() != null) {
				mirrored.add(scope.providerScope());
			}
		});
		Map<Dimension, DimensionReading> poolReadings = feedback.getReadingsWithout(mirrored);
		if (kind == PoolFeedback.Kind.RATE_LIMITED
				&& mirrored.stream().anyMatch((level) -> spent(feedback.getReadings(level))) && !spent(poolReadings)) {
			kind = PoolFeedback.Kind.SCOPE_RATE_LIMITED;
		}
		// A 429 that names the limit it hit but no remaining figure (Anthropic's message
		// alone) still says that bucket is spent; left as unknown, the pool would admit a
		// full burst against it the moment the cooldown ends.
		Dimension exhausted = (kind == PoolFeedback.Kind.RATE_LIMITED) ? feedback.getLimitedDimension().orElse(null)
				: null;
		List<PoolFeedback.ScopeReading> scopes = null;
		if (!mirrored.isEmpty()) {
			scopes = new ArrayList<>(chain.size());
			for (ScopeSpec scope : chain) {
				scopes.add(scopeReading(scope, feedback, profile));
			}
		}
		for (int i = 0; i < remaining.length; i++) {
			RateLimit rate = rates.get(i);
			remaining[i] = remaining(rate, poolReadings.get(rate.dimension()), rate.dimension() == exhausted);
			tolerance[i] = profile.remainingRounding(rate.dimension());
		}
		// The parser already clamps what it reads, but feedback can come from a parser
		// with a longer ceiling of its own; the pool's cooldown is fleet-wide, so bound
		// it here.
		long retryAfterMillis = feedback.getRetryAfter().map((d) -> d.toMillis()).orElse(0L);
		if (kind == PoolFeedback.Kind.EXHAUSTED) {
			// Without a reset, a spend cap still must not be rediscovered by every call.
			return new PoolFeedback(kind, this.feedbackSettings.exhaustedFor(retryAfterMillis), remaining, tolerance,
					feedback.getErrorMessage().orElse(null), scopes);
		}
		return new PoolFeedback(kind, this.feedbackSettings.clampCooldown(retryAfterMillis), remaining, tolerance, null,
				scopes);
	}

	// Whether a provider reading says one of the buckets it describes has nothing left.
	private static boolean spent(Map<Dimension, DimensionReading> readings) {
		return readings.values()
			.stream()
			.anyMatch((reading) -> reading.getRemaining().isPresent() && reading.getRemaining().getAsLong() <= 0);
	}

	// What the provider says is left of a bucket, less the safety margin: -1 unknown, 0
	// where a 429 named it spent.
	private static long remaining(RateLimit rate, DimensionReading reading, boolean exhausted) {
		if (reading != null && reading.getRemaining().isPresent()) {
			return Math.max(0, reading.getRemaining().getAsLong() - rate.unplannedShare());
		}
		return exhausted ? 0 : -1;
	}

	// The readings of the level a scope mirrors, per dimension of the scope; null when
	// the scope mirrors none or the provider reported none of its dimensions.
	private static PoolFeedback.ScopeReading scopeReading(ScopeSpec scope, ProviderFeedback feedback,
			ProviderProfile profile) {
		if (scope.providerScope() == null) {
			return null;
		}
		Map<Dimension, DimensionReading> readings = feedback.getReadings(scope.providerScope());
		long[] remaining = new long[scope.rates().size()];
		long[] tolerance = new long[remaining.length];
		boolean any = false;
		for (int i = 0; i < remaining.length; i++) {
			RateLimit rate = scope.rates().get(i);
			remaining[i] = remaining(rate, readings.get(rate.dimension()), false);
			tolerance[i] = profile.remainingRounding(rate.dimension());
			any |= remaining[i] >= 0;
		}
		return any ? new PoolFeedback.ScopeReading(remaining, tolerance) : null;
	}

	// What a stream's use so far takes beyond what was charged; a step never refunds.
	private static long[] growth(long[] sofar, long[] charged) {
		long[] delta = new long[sofar.length];
		for (int i = 0; i < delta.length; i++) {
			delta[i] = Math.max(0, sofar[i] - charged[i]);
		}
		return delta;
	}

	private static void add(long[] charged, long[] delta) {
		for (int i = 0; i < delta.length; i++) {
			charged[i] += delta[i];
		}
	}

	// The lease's budget windows with what it spends and releases now; null outside
	// budgets.
	private List<BudgetCharge> budgetSpend(long spend, long release) {
		if (this.ticket.budgets() == null || this.ticket.budgets().isEmpty()) {
			return null;
		}
		List<BudgetCharge> charges = new ArrayList<>(this.ticket.budgets().size());
		for (BudgetCharge budget : this.ticket.budgets()) {
			charges.add(budget.spend(spend, release));
		}
		return charges;
	}

	private void noteSpent(List<BudgetCharge> budgetSpend) {
		if (budgetSpend != null) {
			this.budgets.spent(budgetSpend);
		}
	}

	private static long[] minus(long[] actual, long[] charged) {
		long[] delta = new long[actual.length];
		for (int i = 0; i < delta.length; i++) {
			delta[i] = actual[i] - charged[i];
		}
		return delta;
	}

	/**
	 * Told once when the lease ends.
	 */
	@FunctionalInterface
	interface EndListener {

		void ended(ModelSpec model, QuotaRequest request, TokenUsage usage, PoolFeedback.Kind feedback);

	}

	@Override
	public String toString() {
		return "QuotaLease[" + id() + ", model=" + model() + ", pool=" + pool() + "]";
	}

}
