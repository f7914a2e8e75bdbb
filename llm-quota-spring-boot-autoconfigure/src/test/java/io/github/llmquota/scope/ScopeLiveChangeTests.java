package io.github.llmquota.scope;

import java.util.ArrayList;
import java.util.List;

import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

import io.github.llmquota.actuate.endpoint.LlmQuotaEndpointWebExtension;
import io.github.llmquota.core.Dimension;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.LiveSettings;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.live.LiveChanges;
import io.github.llmquota.local.InMemoryQuotaStore;
import io.github.llmquota.test.TestTree;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests that a live change (POST /actuator/llmquota/{pool}) cannot lift a pool above the
 * scopes over it: a 400 naming the field, and nothing stored.
 */
class ScopeLiveChangeTests {

	private final QuotaSettings settings = TestTree.organisation()
		.orgLimit(Dimension.REQUESTS_PER_MINUTE, 100)
		.orgConcurrency(10)
		.poolLimit(Dimension.REQUESTS_PER_MINUTE, 50)
		.build();

	private final InMemoryQuotaStore store = new InMemoryQuotaStore(this.settings);

	private final List<Object> events = new ArrayList<>();

	@Test
	void aLimitAboveTheOrganisationsIsA400NamingTheFieldAndStoresNothing() {
		try (DefaultQuotaEngine engine = new DefaultQuotaEngine(this.settings, this.store)) {
			LlmQuotaEndpointWebExtension extension = new LlmQuotaEndpointWebExtension(
					new LiveChanges(engine, this.events::add));

			WebEndpointResponse<Object> response = extension.change("pool-a", "requests-per-minute", "101", null, null,
					null, null, null, null);

			assertThat(response.getStatus()).isEqualTo(WebEndpointResponse.STATUS_BAD_REQUEST);
			assertThat(response.getBody()).asInstanceOf(InstanceOfAssertFactories.MAP)
				.extractingByKey("error")
				.asString()
				.contains("limits.requests-per-minute", "scope 'org'", "(100)");
			assertThat(this.store.live(this.settings.pools().get("pool-a"))).isEqualTo(LiveSettings.NONE);
			assertThat(this.events).isEmpty();
		}
	}

	@Test
	void aLimitUpToTheOrganisationsIsApplied() {
		try (DefaultQuotaEngine engine = new DefaultQuotaEngine(this.settings, this.store)) {
			LlmQuotaEndpointWebExtension extension = new LlmQuotaEndpointWebExtension(
					new LiveChanges(engine, this.events::add));

			WebEndpointResponse<Object> response = extension.change("pool-a", "requests-per-minute", "100", null, null,
					null, null, null, null);

			assertThat(response.getStatus()).isEqualTo(WebEndpointResponse.STATUS_OK);
			assertThat(this.store.live(this.settings.pools().get("pool-a")).limits())
				.containsEntry(Dimension.REQUESTS_PER_MINUTE, 100L);
		}
	}

}
