package io.github.llmquota.actuate.endpoint;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.data.redis.RedisConnectionFailureException;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.LiveSettings;
import io.github.llmquota.engine.PoolSpec;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.failover.FailMode;
import io.github.llmquota.failover.FailoverQuotaStore;
import io.github.llmquota.live.LiveChanges;
import io.github.llmquota.local.InMemoryQuotaStore;
import io.github.llmquota.test.ForwardingQuotaStore;
import io.github.llmquota.test.TestSettings;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link LlmQuotaEndpointWebExtension} while Redis cannot be reached.
 */
class LlmQuotaEndpointWebExtensionTests {

	@Test
	void changeWhileRedisIsUnreachableIsA503NamingTheCauseAndChangesNothing() {
		QuotaSettings settings = TestSettings.pool("down").limit(Dimension.REQUESTS_PER_MINUTE, 100).build();
		UnreachableStore redis = new UnreachableStore(new InMemoryQuotaStore(settings));
		List<Object> events = new ArrayList<>();
		try (DefaultQuotaEngine engine = new DefaultQuotaEngine(settings,
				new FailoverQuotaStore(redis, settings, FailMode.LOCAL, Duration.ofHours(1)))) {
			LlmQuotaEndpointWebExtension extension = new LlmQuotaEndpointWebExtension(
					new LiveChanges(engine, events::add));

			WebEndpointResponse<Object> paused = extension.change("down", null, null, "BACKGROUND", null, null, null,
					null, null);
			WebEndpointResponse<Object> reverted = extension.revert("down", null);

			for (WebEndpointResponse<Object> response : List.of(paused, reverted)) {
				assertThat(response.getStatus()).isEqualTo(WebEndpointResponse.STATUS_SERVICE_UNAVAILABLE);
				assertThat(response.getBody()).asInstanceOf(InstanceOfAssertFactories.MAP)
					.extractingByKey("error")
					.asString()
					.contains("pool 'down' was not changed", "Redis");
			}
			assertThat(events).isEmpty();
			redis.down = false;
			assertThat(redis.live(settings.pools().get("down"))).isEqualTo(LiveSettings.NONE);
		}
	}

	/**
	 * A shared store that fails like an unreachable Redis while {@link #down}.
	 */
	private static final class UnreachableStore extends ForwardingQuotaStore {

		private volatile boolean down = true;

		UnreachableStore(InMemoryQuotaStore delegate) {
			super(delegate);
		}

		@Override
		public LiveSettings live(PoolSpec pool) {
			if (this.down) {
				throw new RedisConnectionFailureException("Redis is down (test)");
			}
			return super.live(pool);
		}

		@Override
		public void changeLive(PoolSpec pool, LiveSettings live) {
			if (this.down) {
				throw new RedisConnectionFailureException("Redis is down (test)");
			}
			super.changeLive(pool, live);
		}

	}

}
