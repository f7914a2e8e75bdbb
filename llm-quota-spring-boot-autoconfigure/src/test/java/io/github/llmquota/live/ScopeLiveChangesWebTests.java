package io.github.llmquota.live;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.jayway.jsonpath.DocumentContext;
import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.actuate.autoconfigure.security.servlet.EndpointRequest;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.EventListener;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.github.llmquota.autoconfigure.LlmQuotaProperties;
import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.Priority;
import io.github.llmquota.core.QuotaEngine;
import io.github.llmquota.core.QuotaLease;
import io.github.llmquota.core.QuotaRejectedException;
import io.github.llmquota.core.QuotaRequest;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.LiveSettings;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.redis.NeverReloadingStores;
import io.github.llmquota.test.OtherInstance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A scope's limits changed over HTTP ({@code POST /actuator/llmquota/{scope}}), behind
 * Spring Security, in a fleet of two instances that share one real Redis: an organisation
 * {@code org} over projects {@code project-a} and {@code project-b}, each with one pool
 * ({@code pool-a}, {@code pool-b}).
 */
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_EACH_TEST_METHOD)
@SpringBootTest(classes = ScopeLiveChangesWebTests.TestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.endpoints.web.exposure.include=llmquota",
				"llm.quota.rollout.live-changes-enabled=true", "llm.quota.safety-margin=0",
				"llm.quota.scopes.org.requests-per-minute=100", "llm.quota.scopes.project-a.parent=org",
				"llm.quota.scopes.project-a.requests-per-minute=80", "llm.quota.scopes.project-b.parent=org",
				"llm.quota.scopes.project-b.requests-per-minute=80", "llm.quota.pools.pool-a.provider=openai",
				"llm.quota.pools.pool-a.requests-per-minute=50", "llm.quota.pools.pool-a.scope=project-a",
				"llm.quota.pools.pool-b.provider=openai", "llm.quota.pools.pool-b.requests-per-minute=50",
				"llm.quota.pools.pool-b.scope=project-b", "llm.quota.models.model-a.pool=pool-a",
				"llm.quota.models.model-b.pool=pool-b", "spring.ai.anthropic.api-key=unused",
				"spring.ai.openai.api-key=unused" })
class ScopeLiveChangesWebTests {

	private static final String PREFIX = "slive" + UUID.randomUUID().toString().substring(0, 8);

	private static final String ORG = "/actuator/llmquota/org";

	@Autowired
	private TestRestTemplate rest;

	@Autowired
	private QuotaSettings settings;

	@Autowired
	private LlmQuotaProperties properties;

	@Autowired
	private Changes changes;

	private OtherInstance fleet;

	private DefaultQuotaEngine otherInstance;

	private final List<QuotaLease> leases = new ArrayList<>();

	@DynamicPropertySource
	static void redis(DynamicPropertyRegistry registry) {
		OtherInstance.sharedRedis(registry, PREFIX);
	}

	@BeforeEach
	void otherInstanceOfTheFleet() {
		this.fleet = OtherInstance.start(this.settings, this.properties.getKeyPrefix());
		this.otherInstance = this.fleet.engine();
		// The other instance has decided before: it holds the configured limits.
		this.leases.add(acquire(this.otherInstance, "model-a"));
		this.leases.forEach(QuotaLease::close);
		this.leases.clear();
	}

	@AfterEach
	void stop() {
		this.leases.forEach(QuotaLease::close);
		this.fleet.close();
	}

	@Test
	void unauthenticatedWriteIsRefusedAndChangesNothing() {
		ResponseEntity<String> response = this.rest.postForEntity(ORG,
				Map.of("dimension", "requests-per-minute", "limit", 2), String.class);

		assertThat(response.getStatusCode()).isIn(HttpStatus.UNAUTHORIZED, HttpStatus.FORBIDDEN);
		assertThat(this.otherInstance.live("org")).isEqualTo(LiveSettings.NONE);
		assertThat(this.changes.events).isEmpty();
	}

	@Test
	void loweredOrganisationLimitBindsEveryPoolOfTheTreeOnTheOtherInstanceSurvivesARestartAndIsRevertedByDelete() {
		ResponseEntity<String> response = asOperator().postForEntity(ORG,
				Map.of("dimension", "requests-per-minute", "limit", 3), String.class);

		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(JsonPath.parse(response.getBody()).read("$.limits['requests-per-minute']", Integer.class))
			.isEqualTo(3);
		assertThat(this.changes.events).singleElement().satisfies((event) -> {
			assertThat(event.getScope()).isEqualTo("org");
			assertThat(event.getPool()).isNull();
			assertThat(event.getChangedBy()).isEqualTo("ops");
			assertThat(event.getCurrent().limits()).containsEntry(Dimension.REQUESTS_PER_MINUTE, 3L);
		});
		// The other instance's next decisions, in both projects, share the 3 (one was
		// taken before the change).
		this.leases.add(acquire(this.otherInstance, "model-a"));
		this.leases.add(acquire(this.otherInstance, "model-b"));
		assertThatExceptionOfType(QuotaRejectedException.class)
			.isThrownBy(() -> acquire(this.otherInstance, "model-b"));
		assertThatExceptionOfType(QuotaRejectedException.class)
			.isThrownBy(() -> acquire(this.otherInstance, "model-a"));
		// An instance started after the change applies it too.
		this.otherInstance = this.fleet.restart();
		assertThat(this.otherInstance.live("org").limits()).containsEntry(Dimension.REQUESTS_PER_MINUTE, 3L);
		assertThatExceptionOfType(QuotaRejectedException.class)
			.isThrownBy(() -> acquire(this.otherInstance, "model-b"));
		DocumentContext read = JsonPath.parse(asOperator().getForObject("/actuator/llmquota", String.class));
		assertThat(read.read("$.scopes.org.dimensions['requests-per-minute'].limit", Integer.class)).isEqualTo(3);
		assertThat(read.read("$.scopes.org.live.limits['requests-per-minute']", Integer.class)).isEqualTo(3);
		assertThat(read.read("$.scopes.org.status", String.class)).isEqualTo("CRITICAL");
		assertThat(read.read("$.scopes['project-a'].parent", String.class)).isEqualTo("org");

		ResponseEntity<String> reverted = asOperator().exchange(ORG, HttpMethod.DELETE, null, String.class);

		assertThat(reverted.getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(this.otherInstance.live("org")).isEqualTo(LiveSettings.NONE);
		this.leases.add(acquire(this.otherInstance, "model-b"));
		assertThat(this.changes.events).hasSize(2);
		assertThat(this.changes.events.get(1).getCurrent()).isEqualTo(LiveSettings.NONE);
	}

	// The fleet-wide check above can fail: an instance that never reloads the changed
	// settings when the script tells it a scope's moved does not pass it.
	@Test
	void instanceThatNeverReloadsAChangedScopeFailsTheFleetWideCheck() {
		try (DefaultQuotaEngine stale = this.fleet.engine(NeverReloadingStores::create)) {
			this.leases.add(acquire(stale, "model-a"));
			asOperator().postForEntity(ORG, Map.of("dimension", "requests-per-minute", "limit", 2), String.class);

			assertThatExceptionOfType(IllegalStateException.class).isThrownBy(() -> acquire(stale, "model-b"))
				.withMessageContaining("keep changing");
		}
	}

	@Test
	void badValuesAreRefusedWith400NamingTheFieldAndNothingIsStored() {
		assertBadRequest(ORG, Map.of("dimension", "requests-per-minute", "limit", -5), "limits.requests-per-minute",
				"at least 1");
		assertBadRequest(ORG, Map.of("dimension", "tokens-per-day", "limit", 5), "limits.tokens-per-day",
				"does not limit");
		assertBadRequest("/actuator/llmquota/project-a", Map.of("dimension", "requests-per-minute", "limit", 101),
				"limits.requests-per-minute", "scope 'org'");
		assertBadRequest(ORG, Map.of("pause", "BACKGROUND"), "pausedClasses", "scope 'org'");
		assertBadRequest(ORG, Map.of("pinMultiplier", 0.5), "multiplier", "scope 'org'");
		assertBadRequest(ORG, Map.of("shadow", true), "shadow", "scope 'org'");

		assertThat(this.otherInstance.live("org")).isEqualTo(LiveSettings.NONE);
		assertThat(this.otherInstance.live("project-a")).isEqualTo(LiveSettings.NONE);
		assertThat(this.changes.events).isEmpty();
	}

	@Test
	void anOrganisationMayGoBelowItsProjectsButAProjectNotAboveTheOrganisationsLiveLimit() {
		ResponseEntity<String> lowered = asOperator().postForEntity(ORG,
				Map.of("dimension", "requests-per-minute", "limit", 50), String.class);
		assertThat(lowered.getStatusCode()).as("below project-a's configured 80: the organisation binds")
			.isEqualTo(HttpStatus.OK);

		assertBadRequest("/actuator/llmquota/project-a", Map.of("dimension", "requests-per-minute", "limit", 60),
				"limits.requests-per-minute", "(50)");
		assertBadRequest("/actuator/llmquota/pool-a", Map.of("dimension", "requests-per-minute", "limit", 90),
				"limits.requests-per-minute", "scope 'project-a'");
		assertThat(this.otherInstance.live("project-a")).isEqualTo(LiveSettings.NONE);
	}

	private void assertBadRequest(String path, Map<String, Object> body, String field, String detail) {
		ResponseEntity<String> response = asOperator().postForEntity(path, new HttpEntity<>(body), String.class);
		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
		assertThat(JsonPath.parse(response.getBody()).read("$.error", String.class)).startsWith(field + ":")
			.contains(detail);
	}

	private TestRestTemplate asOperator() {
		return this.rest.withBasicAuth("ops", "secret");
	}

	private static QuotaLease acquire(QuotaEngine engine, String model) {
		return engine.acquire(QuotaRequest.builder(model).priority(Priority.CRITICAL).maxWait(Duration.ZERO).build());
	}

	static class Changes {

		final List<LiveSettingsChangedEvent> events = new ArrayList<>();

		@EventListener
		void changed(LiveSettingsChangedEvent event) {
			this.events.add(event);
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class TestApplication {

		@Bean
		SecurityFilterChain actuatorSecurity(HttpSecurity http) throws Exception {
			http.securityMatcher(EndpointRequest.toAnyEndpoint())
				.authorizeHttpRequests((requests) -> requests.anyRequest().hasRole("OPS"))
				.httpBasic(Customizer.withDefaults())
				// A programmatic client, authenticated on each request: no session to
				// forge.
				.csrf((csrf) -> csrf.disable());
			return http.build();
		}

		@Bean
		InMemoryUserDetailsManager users() {
			return new InMemoryUserDetailsManager(
					User.withUsername("ops").password("{noop}secret").roles("OPS").build());
		}

		@Bean
		Changes changes() {
			return new Changes();
		}

	}

}
