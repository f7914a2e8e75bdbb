package io.github.llmquota.sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;

import redis.embedded.RedisServer;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Starts an embedded Redis server on a loopback port when the application names no Redis
 * of its own, so that the sample runs on a machine with nothing installed. The port is
 * {@code sample.embedded-redis.port}, or a free one when that is unset or 0: a fixed port
 * lets other instances of the sample share this Redis and form a fleet. Set
 * {@code spring.data.redis.host}, {@code spring.data.redis.port} or
 * {@code spring.data.redis.url} to use another Redis, such as that of a first instance.
 */
class EmbeddedRedisEnvironmentPostProcessor implements EnvironmentPostProcessor {

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		if (environment.containsProperty("spring.data.redis.host")
				|| environment.containsProperty("spring.data.redis.port")
				|| environment.containsProperty("spring.data.redis.url")
				|| !environment.getProperty("sample.embedded-redis.enabled", Boolean.class, true)) {
			return;
		}
		int port = environment.getProperty("sample.embedded-redis.port", Integer.class, 0);
		if (port == 0) {
			port = freePort();
		}
		try {
			RedisServer server = RedisServer.newRedisServer()
				.port(port)
				.bind("127.0.0.1")
				.setting("save \"\"")
				.setting("appendonly no")
				.build();
			server.start();
			Runtime.getRuntime().addShutdownHook(new Thread(() -> {
				try {
					server.stop();
				}
				catch (IOException ex) {
					// The JVM is exiting; the child process dies with it.
				}
			}, "embedded-redis-stop"));
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not start the embedded Redis server on port " + port, ex);
		}
		environment.getPropertySources()
			.addFirst(new MapPropertySource("embeddedRedis",
					Map.of("spring.data.redis.host", "127.0.0.1", "spring.data.redis.port", port)));
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
