package io.github.llmquota.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.github.llmquota.core.CallOutcome;
import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.ErrorClass;
import io.github.llmquota.core.NonRetryableQuotaException;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.Provider;
import io.github.llmquota.core.ProviderFeedback;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.core.TokenUsage;
import io.github.llmquota.provider.ProviderFeedbackParser;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * What a provider's answer, settled through a lease, does to the next caller, at the
 * default 10 % safety margin and with time driven by the test: the remaining figure a
 * provider reports is reduced by the margin before it tightens the pool, Anthropic's
 * token figures are trusted only beyond their rounding to the nearest thousand (request
 * figures are exact), a 429 that names its limit empties that bucket, no retry delay
 * cools a pool down for longer than the max cooldown, and an exhausted provider quota
 * stops the pool, non-retryably, until its reset or the exhausted hold. Subclasses supply
 * the store.
 */
public abstract class LeaseFeedbackContractTests {

	// 100,000 tokens a minute at a 10 % margin: 90,000 to plan with, 10,000 never
	// planned.
	private static final long LIMIT = 100_000;

	private final ProviderFeedbackParser parser = new ProviderFeedbackParser();

	private DefaultQuotaEngine engine;

	private QuotaStore store;

	private PoolSpec pool;

	/** The store's time in milliseconds; nothing refills unless a test moves it. */
	protected long now = 1_000_000;

	/**
	 * Create the store under test, reading time from {@link #now}.
	 * @param settings the settings
	 * @return a store, not yet started
	 */
	protected abstract QuotaStore createStore(QuotaSettings settings);

	@AfterEach
	protected void closeEngine() {
		if (this.engine != null) {
			this.engine.close();
			this.engine = null;
		}
	}

	@Test
	void remainingReportedByTheProviderIsReducedByTheSafetyMarginBeforeItTightensThePool() {
		start(Provider.ANTHROPIC, Dimension.INPUT_TOKENS_PER_MINUTE);
		// Another client of the organisation spent most of the limit: 40,000 remain, of
		// which the margin leaves 30,000 to plan with.
		acquire(10_000).settle(TokenUsage.of(10_000, 0), anthropicInputTokensRemaining(40_000));

		assertThat(admits(30_001)).isFalse();
		assertThat(admits(30_000)).isTrue();
	}

	@Test
	void anthropicTokenRemainingWithinItsRoundingOfOurOwnViewLeavesThePoolAlone() {
		start(Provider.ANTHROPIC, Dimension.INPUT_TOKENS_PER_MINUTE);
		// 80,000 remain in our view. Anthropic says 89,500, rounded to the thousand:
		// 79,500 after the margin, which is within its rounding of ours, so it proves
		// nothing.
		acquire(10_000).settle(TokenUsage.of(10_000, 0), anthropicInputTokensRemaining(89_500));

		assertThat(admits(80_000)).isTrue();
	}

	@Test
	void anthropicTokenRemainingFurtherBelowOurViewThanItsRoundingTightensThePool() {
		start(Provider.ANTHROPIC, Dimension.INPUT_TOKENS_PER_MINUTE);
		// 88,900 less the margin is 78,900: 1,100 below our 80,000, beyond the rounding.
		acquire(10_000).settle(TokenUsage.of(10_000, 0), anthropicInputTokensRemaining(88_900));

		assertThat(admits(78_901)).isFalse();
		assertThat(admits(78_900)).isTrue();
	}

	@Test
	void openAiRemainingIsExactSoEvenASmallShortfallTightensThePool() {
		start(Provider.OPENAI, Dimension.TOKENS_PER_MINUTE);
		// 89,500 less the margin is 79,500: only 500 below our 80,000, but OpenAI does
		// not round.
		acquire(10_000).settle(TokenUsage.of(10_000, 0), feedback(Provider.OPENAI, 200, "x-ratelimit-limit-tokens",
				Long.toString(LIMIT), "x-ratelimit-remaining-tokens", "89500"));

		assertThat(admits(79_501)).isFalse();
		assertThat(admits(79_500)).isTrue();
	}

	@Test
	void rateLimitNamingItsLimitOnlyInTheMessageEmptiesThatBucket() {
		start(Provider.ANTHROPIC, Dimension.INPUT_TOKENS_PER_MINUTE);
		String body = "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"This request "
				+ "would exceed the rate limit for your organization (1815e560) of 100,000 input tokens per minute.\"}}";
		ProviderFeedback rateLimited = this.parser.parse(this.pool.name(), Provider.ANTHROPIC, 429, Map.of(), body,
				Instant.ofEpochMilli(this.now));

		acquire(10_000).release(CallOutcome.FAILED, rateLimited);

		// No cooldown was asked for, and the cut multiplier alone would leave 53,000.
		assertThat(this.store.snapshot(this.pool).cooldownMillis()).isZero();
		assertThat(admits(1)).isFalse();
		// It refills as usual: within a window it serves calls again.
		this.now += 60_000;
		assertThat(admits(1_000)).isTrue();
	}

	@Test
	void anthropicRateLimitOnASmallDailyRequestLimitEmptiesThatBucketAsItRoundsOnlyTokens() {
		// 450 requests a day to plan with, all of them at once: less than the thousand
		// Anthropic rounds its token figures to, so only an exact request figure can
		// empty the bucket.
		start(Provider.ANTHROPIC, Dimension.REQUESTS_PER_DAY, 500);
		String body = "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"This request "
				+ "would exceed the rate limit for your organization (1815e560) of 500 requests per day.\"}}";
		ProviderFeedback rateLimited = this.parser.parse(this.pool.name(), Provider.ANTHROPIC, 429, Map.of(), body,
				Instant.ofEpochMilli(this.now));

		acquire(1).release(CallOutcome.FAILED, rateLimited);

		assertThat(admits(1)).isFalse();
	}

	@Test
	void retryAfterWithinTheMaxCooldownCoolsThePoolDownForExactlyThatLong() {
		start(Provider.ANTHROPIC, Dimension.INPUT_TOKENS_PER_MINUTE);
		acquire(1).release(CallOutcome.FAILED, feedback(Provider.ANTHROPIC, 429, "retry-after", "30"));

		assertThat(this.store.snapshot(this.pool).cooldownMillis()).isEqualTo(30_000);
	}

	@Test
	void retryAfterBeyondTheMaxCooldownCoolsThePoolDownOnlyForTheMaxCooldown() {
		start(Provider.ANTHROPIC, Dimension.INPUT_TOKENS_PER_MINUTE);
		// A parser of the application's own, with a ceiling far above the engine's,
		// passes a hostile 285-year delay on; the engine still bounds what it stores.
		ProviderFeedbackParser lenient = new ProviderFeedbackParser((pool, header, value) -> {
		}, Duration.ofDays(365_000));
		ProviderFeedback hostile = lenient.parse(this.pool.name(), Provider.ANTHROPIC, 429,
				Map.of("retry-after", List.of("9000000000")), null, Instant.ofEpochMilli(this.now));
		assertThat(hostile.getRetryAfter()).hasValue(Duration.ofSeconds(9_000_000_000L));

		acquire(1).release(CallOutcome.FAILED, hostile);

		Duration maxCooldown = FeedbackSettings.DEFAULTS.maxCooldown();
		assertThat(this.store.snapshot(this.pool).cooldownMillis()).isEqualTo(maxCooldown.toMillis());
		assertThat(admits(1)).isFalse();
		this.now += maxCooldown.toMillis();
		assertThat(admits(1)).isTrue();
	}

	@Test
	void insufficientQuotaStopsThePoolWithNonRetryableFailuresForTheExhaustedHold() {
		start(Provider.OPENAI, Dimension.TOKENS_PER_MINUTE);
		acquire(1).release(CallOutcome.FAILED, openAi429("{\"error\":{\"message\":\"You exceeded your current "
				+ "quota.\",\"type\":\"insufficient_quota\",\"code\":\"insufficient_quota\"}}"));

		long hold = FeedbackSettings.DEFAULT_EXHAUSTED_HOLD.toMillis();
		PoolSnapshot snapshot = this.store.snapshot(this.pool);
		assertThat(snapshot.exhaustedMillis()).isEqualTo(hold);
		assertThat(snapshot.exhaustedReason()).isEqualTo("You exceeded your current quota.");
		assertThatExceptionOfType(NonRetryableQuotaException.class).isThrownBy(() -> acquire(1))
			.satisfies((ex) -> assertThat(ex.getErrorClass()).isEqualTo(ErrorClass.QUOTA_EXHAUSTED))
			.satisfies((ex) -> assertThat(ex.getPool()).isEqualTo(this.pool.name()));
		this.now += hold - 1;
		assertThatExceptionOfType(NonRetryableQuotaException.class).isThrownBy(() -> acquire(1));
		this.now += 1;
		assertThat(admits(1)).isTrue();
		assertThat(this.store.snapshot(this.pool).exhaustedReason()).isNull();
	}

	@Test
	void exhaustedQuotaThatNamesItsResetStopsThePoolUntilThatReset() {
		start(Provider.OPENAI, Dimension.TOKENS_PER_MINUTE);
		acquire(1).release(CallOutcome.FAILED,
				this.parser.parse(this.pool.name(), Provider.OPENAI, 429, Map.of("retry-after", List.of("120")),
						"{\"error\":{\"code\":\"insufficient_quota\"}}", Instant.ofEpochMilli(this.now)));

		assertThat(this.store.snapshot(this.pool).exhaustedMillis()).isEqualTo(120_000);
		assertThat(this.store.snapshot(this.pool).exhaustedReason()).isNull();
		this.now += 120_000;
		assertThat(admits(1)).isTrue();
	}

	@Test
	void requestLargerThanTheLimitFailsOnlyItselfAndLeavesThePoolOpen() {
		start(Provider.OPENAI, Dimension.TOKENS_PER_MINUTE);
		ProviderFeedback tooLarge = openAi429("{\"error\":{\"code\":\"rate_limit_exceeded\",\"message\":\"Request "
				+ "too large for gpt-4o on tokens per min (TPM): Limit 30000, Requested 30001.\"}}");
		assertThat(tooLarge.getErrorClass()).isEqualTo(ErrorClass.REQUEST_TOO_LARGE);

		acquire(1).release(CallOutcome.FAILED, tooLarge);

		assertThat(this.store.snapshot(this.pool).exhaustedMillis()).isZero();
		assertThat(admits(1)).isTrue();
	}

	private ProviderFeedback openAi429(String body) {
		return this.parser.parse(this.pool.name(), Provider.OPENAI, 429, Map.of(), body,
				Instant.ofEpochMilli(this.now));
	}

	private void start(Provider provider, Dimension dimension) {
		start(provider, dimension, LIMIT);
	}

	private void start(Provider provider, Dimension dimension, long limit) {
		QuotaSettings settings = TestSettings.pool("feedback-" + provider.name().toLowerCase())
			.provider(provider)
			.limit(dimension, limit)
			.burstHorizon(dimension.getWindow())
			.margin(0.10)
			.build();
		this.store = createStore(settings);
		this.engine = new DefaultQuotaEngine(settings, this.store);
		this.pool = settings.pools().values().iterator().next();
	}

	private QuotaLease acquire(long tokens) {
		return this.engine.acquire(QuotaRequest.builder("model")
			.priority(Priority.CRITICAL)
			.inputTokens(tokens)
			.maxOutputTokens(0)
			.maxWait(Duration.ZERO)
			.build());
	}

	/**
	 * Whether a call of that many tokens is admitted now; one that is settles at once.
	 */
	private boolean admits(long tokens) {
		try {
			acquire(tokens).settle(TokenUsage.of(tokens, 0));
			return true;
		}
		catch (QuotaRejectedException ex) {
			return false;
		}
	}

	private ProviderFeedback anthropicInputTokensRemaining(long remaining) {
		return feedback(Provider.ANTHROPIC, 200, "anthropic-ratelimit-input-tokens-limit", Long.toString(LIMIT),
				"anthropic-ratelimit-input-tokens-remaining", Long.toString(remaining));
	}

	private ProviderFeedback feedback(Provider provider, int status, String... namesAndValues) {
		Map<String, List<String>> headers = new LinkedHashMap<>();
		for (int i = 0; i < namesAndValues.length; i += 2) {
			headers.put(namesAndValues[i], List.of(namesAndValues[i + 1]));
		}
		return this.parser.parse(this.pool.name(), provider, status, headers, null, Instant.ofEpochMilli(this.now));
	}

}
