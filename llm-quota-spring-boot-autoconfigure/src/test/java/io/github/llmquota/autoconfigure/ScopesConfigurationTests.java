package io.github.llmquota.autoconfigure;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.ProviderScope;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.ScopeSpec;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the scope hierarchy in configuration: {@code llm.quota.scopes.<scope>.*} and
 * pools naming their scope; a bad tree stops startup naming the property to fix.
 */
class ScopesConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LlmQuotaAutoConfiguration.class));

	// Two projects of one organisation, each with a pool of its own.
	private static final List<String> TREE = List.of("llm.quota.scopes.org.tokens-per-minute=100000",
			"llm.quota.scopes.org.requests-per-minute=1000", "llm.quota.scopes.org.max-concurrency=50",
			"llm.quota.scopes.prod.parent=org", "llm.quota.scopes.prod.tokens-per-minute=80000",
			"llm.quota.scopes.dev.parent=org", "llm.quota.scopes.dev.tokens-per-minute=30000",
			"llm.quota.pools.prod-gpt.provider=openai", "llm.quota.pools.prod-gpt.tokens-per-minute=60000",
			"llm.quota.pools.prod-gpt.scope=prod", "llm.quota.pools.dev-gpt.provider=openai",
			"llm.quota.pools.dev-gpt.requests-per-minute=500", "llm.quota.pools.dev-gpt.scope=dev",
			"llm.quota.pools.other.provider=openai", "llm.quota.pools.other.tokens-per-minute=1000",
			"llm.quota.models.gpt-prod.pool=prod-gpt", "llm.quota.models.gpt-dev.pool=dev-gpt",
			"llm.quota.models.gpt-other.pool=other");

	@Test
	void aPoolCarriesItsScopeChainNearestFirstWithBucketsDerivedAsAPoolsAre() {
		QuotaSettings settings = settings(TREE);
		PoolSpec prod = settings.pools().get("prod-gpt");
		assertThat(prod.scopeChain()).extracting(ScopeSpec::name).containsExactly("prod", "org");
		assertThat(prod.tree()).isEqualTo("org");
		ScopeSpec org = prod.scopeChain().get(1);
		assertThat(org.maxConcurrency()).isEqualTo(50);
		// The default safety margin (10 %) applies to a scope as to a pool.
		assertThat(org.rates().get(org.indexOf(Dimension.TOKENS_PER_MINUTE)).capacity()).isEqualTo(90000);
		assertThat(settings.pools().get("other").scopeChain()).isEmpty();
		assertThat(settings.pools().get("other").tree()).isEqualTo("other");
	}

	@Test
	void aRequestIsChargedInEveryDimensionItsPoolOrAScopeAboveItLimits() {
		PoolSpec dev = settings(TREE).pools().get("dev-gpt");
		// The pool limits requests only; its scopes add tokens.
		assertThat(dev.costRates()).extracting((rate) -> rate.dimension())
			.containsExactly(Dimension.REQUESTS_PER_MINUTE, Dimension.TOKENS_PER_MINUTE);
		assertThat(dev.costIndexOf(Dimension.TOKENS_PER_MINUTE)).isEqualTo(1);
	}

	@Test
	void aScopeSaysWhichProviderLevelItMirrors() {
		QuotaSettings settings = settings(with(TREE, "llm.quota.scopes.prod.provider-scope=project",
				"llm.quota.scopes.org.provider-scope=organization"));
		assertThat(settings.pools().get("prod-gpt").scopeChain()).extracting(ScopeSpec::providerScope)
			.containsExactly(ProviderScope.PROJECT, ProviderScope.ORGANIZATION);
		assertThat(settings.pools().get("dev-gpt").scopeChain().get(0).providerScope()).isNull();
	}

	@Test
	void aProviderLevelMirroredTwiceInOneChainFailsStartupNamingTheLowerScope() {
		assertStartupFails("llm.quota.scopes.prod.provider-scope", "is mirrored by an ancestor scope already",
				with(TREE, "llm.quota.scopes.prod.provider-scope=organization",
						"llm.quota.scopes.org.provider-scope=organization"));
	}

	@Test
	void aScopeNamedAsItsPoolsBaseConfigIsInherited() {
		QuotaSettings settings = settings(with(TREE, "llm.quota.pools.prod-mini.base-config=prod-gpt",
				"llm.quota.models.gpt-mini.pool=prod-mini"));
		assertThat(settings.pools().get("prod-mini").scopeChain()).extracting(ScopeSpec::name)
			.containsExactly("prod", "org");
	}

	@Test
	void aScopeThatIsItsOwnParentFailsStartupNamingTheParent() {
		assertStartupFails("llm.quota.scopes.dev.parent", "forms a cycle dev -> dev",
				with(TREE, "llm.quota.scopes.dev.parent=dev"));
	}

	@Test
	void aCycleOfParentsFailsStartupNamingAParentInTheCycle() {
		this.runner.withPropertyValues(with(TREE, "llm.quota.scopes.org.parent=dev")).run((context) -> {
			InvalidQuotaConfigurationException cause = StartupFailures
				.invalidConfiguration(context.getStartupFailure());
			assertThat(cause.getProperty()).isIn("llm.quota.scopes.org.parent", "llm.quota.scopes.dev.parent");
			assertThat(cause.getMessage()).contains("forms a cycle");
		});
	}

	@Test
	void anUnknownParentFailsStartupNamingIt() {
		assertStartupFails("llm.quota.scopes.dev.parent", "names no configured scope",
				with(TREE, "llm.quota.scopes.dev.parent=orgg"));
	}

	@Test
	void anUnknownScopeOfAPoolFailsStartupNamingIt() {
		assertStartupFails("llm.quota.pools.dev-gpt.scope", "names no configured scope",
				with(TREE, "llm.quota.pools.dev-gpt.scope=devv"));
	}

	@Test
	void aScopeLimitAboveItsParentsFailsStartupNamingTheChildsLimit() {
		assertStartupFails("llm.quota.scopes.dev.tokens-per-minute", "exceeds llm.quota.scopes.org.tokens-per-minute",
				with(TREE, "llm.quota.scopes.dev.tokens-per-minute=100001"));
	}

	@Test
	void aLimitIsCheckedAgainstTheNearestAncestorThatHasTheDimension() {
		// prod sets no requests-per-minute: its pool is held to the organisation's.
		assertStartupFails("llm.quota.pools.prod-gpt.requests-per-minute",
				"exceeds llm.quota.scopes.org.requests-per-minute",
				with(TREE, "llm.quota.pools.prod-gpt.requests-per-minute=1001"));
	}

	@Test
	void aPoolLimitAboveItsScopesFailsStartupNamingThePoolsLimit() {
		assertStartupFails("llm.quota.pools.prod-gpt.tokens-per-minute",
				"exceeds llm.quota.scopes.prod.tokens-per-minute",
				with(TREE, "llm.quota.pools.prod-gpt.tokens-per-minute=80001"));
	}

	@Test
	void aConcurrencyAboveTheScopesFailsStartup() {
		assertStartupFails("llm.quota.pools.prod-gpt.max-concurrency", "exceeds llm.quota.scopes.org.max-concurrency",
				with(TREE, "llm.quota.pools.prod-gpt.max-concurrency=51"));
	}

	@Test
	void aScopeWithoutLimitsFailsStartup() {
		assertStartupFails("llm.quota.scopes.team", "must set at least one limit",
				with(TREE, "llm.quota.scopes.team.parent=org"));
	}

	@Test
	void aScopeNamedAsAPoolFailsStartup() {
		assertStartupFails("llm.quota.scopes.other", "has the name of a pool",
				with(TREE, "llm.quota.scopes.other.requests-per-minute=5"));
	}

	@Test
	void aNegativeScopeLimitFailsStartupNamingIt() {
		assertStartupFails("llm.quota.scopes.dev.tokens-per-minute", "must be positive",
				with(TREE, "llm.quota.scopes.dev.tokens-per-minute=-1"));
	}

	private static String[] with(List<String> base, String... more) {
		List<String> all = new ArrayList<>(base);
		all.addAll(List.of(more));
		return all.toArray(String[]::new);
	}

	private QuotaSettings settings(List<String> properties) {
		return settings(properties.toArray(String[]::new));
	}

	private QuotaSettings settings(String... properties) {
		AtomicReference<QuotaSettings> settings = new AtomicReference<>();
		this.runner.withPropertyValues(properties).run((context) -> {
			assertThat(context).hasNotFailed();
			settings.set(context.getBean(QuotaSettings.class));
		});
		return settings.get();
	}

	private void assertStartupFails(String named, String reason, String... properties) {
		this.runner.withPropertyValues(properties)
			.run((context) -> StartupFailures.assertFailedOn(context, named, reason));
	}

}
