package io.github.llmquota.redis;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.engine.AdmissionListener;
import io.github.llmquota.engine.AdmissionNewsContractTests;
import io.github.llmquota.engine.QuotaSettings;
import io.github.llmquota.engine.QuotaStore;
import io.github.llmquota.test.DrivenRedisStores;
import io.github.llmquota.test.TestRedis;
import io.github.llmquota.test.TestSettings;

import static org.awaitility.Awaitility.await;

/**
 * The Redis script's news reaches the JVM that waits over pub/sub, on its own channel.
 */
class RedisAdmissionNewsTests extends AdmissionNewsContractTests {

	@RegisterExtension
	final DrivenRedisStores redis = new DrivenRedisStores();

	@Override
	protected QuotaStore createStore(QuotaSettings settings) {
		return this.redis.create(settings, () -> this.now);
	}

	@Test
	void eachJvmListensOnItsOwnChannelUnderTheKeyPrefixUntilItStops() {
		QuotaSettings settings = TestSettings.pool("channel").limit(Dimension.REQUESTS_PER_MINUTE, 10).build();
		QuotaStore store = createStore(settings);
		String channel = this.redis.prefix() + ":w:w9";

		store.start("w9", AdmissionListener.none());
		await().atMost(Duration.ofSeconds(10)).until(() -> subscribers(channel) == 1);

		store.stop();
		await().atMost(Duration.ofSeconds(10)).until(() -> subscribers(channel) == 0);
	}

	private static long subscribers(String channel) {
		// The reply to PUBSUB NUMSUB is the channel followed by its subscriber count.
		Matcher count = Pattern.compile(":(\\d+)\r\n$")
			.matcher(TestRedis.shared().command("PUBSUB", "NUMSUB", channel));
		return count.find() ? Long.parseLong(count.group(1)) : -1;
	}

}
