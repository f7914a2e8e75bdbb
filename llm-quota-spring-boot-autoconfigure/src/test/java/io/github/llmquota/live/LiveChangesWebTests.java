package io.github.llmquota.live;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
import io.github.llmquota.core.RejectionReason;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.LiveSettings;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.redis.NeverReloadingStores;
import io.github.llmquota.test.OtherInstance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The llmquota endpoint's write operations over HTTP, behind Spring Security, in a fleet
 * of two instances that share one real Redis: the application, and a second engine that
 * stands for another instance (and, made anew, for a restarted one).
 */
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_EACH_TEST_METHOD)
@SpringBootTest(classes = LiveChangesWebTests.TestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.endpoints.web.exposure.include=llmquota",
				"llm.quota.rollout.live-changes-enabled=true", "llm.quota.safety-margin=0",
				"llm.quota.models.gpt-4o.provider=openai", "llm.quota.models.gpt-4o.requests-per-minute=100",
				"llm.quota.models.gpt-4o.max-concurrency=50", "spring.ai.anthropic.api-key=unused",
				"spring.ai.openai.api-key=unused" })
class LiveChangesWebTests {

	private static final String PREFIX = "live" + UUID.randomUUID().toString().substring(0, 8);

	private static final String POOL = "/actuator/llmquota/gpt-4o";

	@Autowired
	private TestRestTemplate rest;

	@Autowired
	private QuotaEngine engine;

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
	}

	@AfterEach
	void stop() {
		this.leases.forEach(QuotaLease::close);
		this.fleet.close();
	}

	@Test
	void unauthenticatedWriteIsRefusedAndChangesNothing() {
		ResponseEntity<String> response = this.rest.postForEntity(POOL,
				Map.of("dimension", "requests-per-minute", "limit", 2), String.class);

		assertThat(response.getStatusCode()).isIn(HttpStatus.UNAUTHORIZED, HttpStatus.FORBIDDEN);
		assertThat(this.otherInstance.live("gpt-4o")).isEqualTo(LiveSettings.NONE);
		assertThat(this.changes.events).isEmpty();
	}

	@Test
	void limitChangedThroughOneInstanceBindsTheOthersNextDecisionSurvivesARestartAndIsRevertedByDelete() {
		ResponseEntity<String> response = asOperator().postForEntity(POOL,
				Map.of("dimension", "requests-per-minute", "limit", 2), String.class);

		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(JsonPath.parse(response.getBody()).read("$.limits['requests-per-minute']", Integer.class))
			.isEqualTo(2);
		assertThat(this.changes.events).singleElement().satisfies((event) -> {
			assertThat(event.getPool()).isEqualTo("gpt-4o");
			assertThat(event.getChangedBy()).isEqualTo("ops");
			assertThat(event.getCurrent().limits()).containsEntry(Dimension.REQUESTS_PER_MINUTE, 2L);
		});
		// The other instance made no call since: its next decision applies the change.
		admitsTwoRequestsAMinute(this.otherInstance);
		// An instance started after the change applies it too.
		this.otherInstance = this.fleet.restart();
		assertThat(this.otherInstance.live("gpt-4o").limits()).containsEntry(Dimension.REQUESTS_PER_MINUTE, 2L);
		assertThatExceptionOfType(QuotaRejectedException.class)
			.isThrownBy(() -> acquire(this.otherInstance, Priority.CRITICAL));
		assertThat(JsonPath.parse(asOperator().getForObject(POOL, String.class))
			.read("$.dimensions['requests-per-minute'].limit", Integer.class)).isEqualTo(2);

		ResponseEntity<String> reverted = asOperator().exchange(POOL, HttpMethod.DELETE, null, String.class);

		assertThat(reverted.getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(this.otherInstance.live("gpt-4o")).isEqualTo(LiveSettings.NONE);
		this.leases.add(acquire(this.otherInstance, Priority.CRITICAL));
		assertThat(this.changes.events).hasSize(2);
		assertThat(this.changes.events.get(1).getCurrent()).isEqualTo(LiveSettings.NONE);
	}

	// The fleet-wide check above can fail: an instance that never reloads the changed
	// settings when the script tells it they changed does not pass it.
	@Test
	void instanceThatNeverReloadsChangedSettingsFailsTheFleetWideCheck() {
		asOperator().postForEntity(POOL, Map.of("dimension", "requests-per-minute", "limit", 2), String.class);
		try (DefaultQuotaEngine stale = this.fleet.engine(NeverReloadingStores::create)) {
			assertThatExceptionOfType(IllegalStateException.class).isThrownBy(() -> admitsTwoRequestsAMinute(stale))
				.withMessageContaining("Live settings of pool 'gpt-4o' keep changing");
		}
	}

	@Test
	void badValuesAreRefusedWith400NamingTheFieldAndNothingIsStored() {
		assertBadRequest(Map.of("dimension", "requests-per-minute", "limit", -5), "limits.requests-per-minute");
		assertBadRequest(Map.of("dimension", "tokens-per-day", "limit", 5), "limits.tokens-per-day");
		assertBadRequest(Map.of("dimension", "requests-per-fortnight", "limit", 5), "limits.requests-per-fortnight");
		assertBadRequest(Map.of("dimension", "requests-per-minute", "limit", "many"), "limits.requests-per-minute");
		assertBadRequest(Map.of("limit", 5), "dimension");
		assertBadRequest(Map.of("pause", "URGENT"), "pausedClasses");
		assertBadRequest(Map.of("pinMultiplier", 1.5), "multiplier");

		assertThat(this.otherInstance.live("gpt-4o")).isEqualTo(LiveSettings.NONE);
		assertThat(this.changes.events).isEmpty();
	}

	@Test
	void pausedClassIsRejectedFleetWideUntilResumed() {
		asOperator().postForEntity(POOL, Map.of("pause", "BACKGROUND"), String.class);

		assertThatExceptionOfType(QuotaRejectedException.class)
			.isThrownBy(() -> acquire(this.otherInstance, Priority.BACKGROUND))
			.satisfies((ex) -> {
				assertThat(ex.getReason()).isEqualTo(RejectionReason.PAUSED);
				assertThat(ex.getRetryAfter()).isNull();
			});
		this.leases.add(acquire(this.otherInstance, Priority.NORMAL));

		asOperator().postForEntity(POOL, Map.of("resume", "BACKGROUND"), String.class);

		this.leases.add(acquire(this.otherInstance, Priority.BACKGROUND));
	}

	@Test
	void shadowModeAdmitsWhatEnforcementWouldRejectAndTheEndpointShowsWhatItWouldHaveDone() {
		asOperator().postForEntity(POOL, Map.of("shadow", true, "dimension", "requests-per-minute", "limit", 1),
				String.class);

		for (int i = 0; i < 3; i++) {
			this.leases.add(acquire(this.engine, Priority.CRITICAL));
		}

		DocumentContext pool = JsonPath.parse(asOperator().getForObject(POOL, String.class));
		assertThat(pool.read("$.live.shadow", Boolean.class)).isTrue();
		assertThat(pool.read("$.live.shadowDecisions.decisions", Integer.class)).isEqualTo(3);
		assertThat(pool.read("$.live.shadowDecisions.wouldBe.GRANTED", Integer.class)).isEqualTo(1);
		assertThat(pool.read("$.live.shadowDecisions.wouldBe.DEADLINE", Integer.class)).isEqualTo(2);
		// Charged like any call: the fleet's figures stay true.
		assertThat(pool.read("$.inFlight", Integer.class)).isEqualTo(3);

		asOperator().postForEntity(POOL, Map.of("shadow", false), String.class);

		assertThatExceptionOfType(QuotaRejectedException.class)
			.isThrownBy(() -> acquire(this.otherInstance, Priority.CRITICAL));
	}

	@Test
	void pinnedMultiplierHoldsUntilUnpinned() {
		asOperator().postForEntity(POOL, Map.of("pinMultiplier", 0.5), String.class);

		DocumentContext pinned = JsonPath.parse(asOperator().getForObject(POOL, String.class));
		assertThat(pinned.read("$.multiplier", Double.class)).isEqualTo(0.5);
		assertThat(pinned.read("$.live.pinnedMultiplier", Double.class)).isEqualTo(0.5);

		asOperator().postForEntity(POOL, Map.of("unpinMultiplier", true), String.class);

		assertThat(JsonPath.parse(asOperator().getForObject(POOL, String.class)).read("$.multiplier", Double.class))
			.isEqualTo(1.0);
	}

	private void assertBadRequest(Map<String, Object> body, String field) {
		ResponseEntity<String> response = asOperator().postForEntity(POOL, new HttpEntity<>(body), String.class);
		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
		assertThat(JsonPath.parse(response.getBody()).read("$.error", String.class)).startsWith(field + ":");
	}

	private TestRestTemplate asOperator() {
		return this.rest.withBasicAuth("ops", "secret");
	}

	private void admitsTwoRequestsAMinute(DefaultQuotaEngine instance) {
		this.leases.add(acquire(instance, Priority.CRITICAL));
		this.leases.add(acquire(instance, Priority.CRITICAL));
		assertThatExceptionOfType(QuotaRejectedException.class).isThrownBy(() -> acquire(instance, Priority.CRITICAL));
	}

	private static QuotaLease acquire(QuotaEngine engine, String priority) {
		return engine.acquire(QuotaRequest.builder("gpt-4o").priority(priority).maxWait(Duration.ZERO).build());
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
