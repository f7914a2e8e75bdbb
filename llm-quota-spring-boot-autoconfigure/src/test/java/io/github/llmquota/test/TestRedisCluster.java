package io.github.llmquota.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * A Redis Cluster of three masters on loopback, built from the same redis-server binary
 * as {@link TestRedis}: slots are split evenly with {@code CLUSTER ADDSLOTS} and the
 * nodes meet with {@code CLUSTER MEET}, as redis-cli would do it (the embedded-redis jar
 * ships no redis-cli). The caller stops it.
 */
public final class TestRedisCluster implements AutoCloseable {

	private static final int SLOTS = 16384;

	private final List<TestRedis> nodes;

	private final Path directory;

	private TestRedisCluster(List<TestRedis> nodes, Path directory) {
		this.nodes = nodes;
		this.directory = directory;
	}

	/**
	 * Start three masters, assign every slot and wait until the cluster reports ok.
	 * @return the running cluster
	 */
	public static TestRedisCluster start() {
		Path directory;
		try {
			directory = Files.createTempDirectory("llmquota-cluster");
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		List<TestRedis> nodes = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			nodes.add(TestRedis.startNew(List.of("--cluster-enabled", "yes", "--cluster-config-file",
					"nodes-" + i + ".conf", "--cluster-node-timeout", "5000", "--dir", directory.toString())));
		}
		TestRedisCluster cluster = new TestRedisCluster(nodes, directory);
		for (int i = 0; i < 3; i++) {
			int from = SLOTS * i / 3;
			int to = SLOTS * (i + 1) / 3;
			List<String> command = new ArrayList<>(List.of("CLUSTER", "ADDSLOTS"));
			for (int slot = from; slot < to; slot++) {
				command.add(Integer.toString(slot));
			}
			expectOk(nodes.get(i).command(command.toArray(String[]::new)));
		}
		for (int i = 1; i < 3; i++) {
			expectOk(nodes.get(0).command("CLUSTER", "MEET", "127.0.0.1", Integer.toString(nodes.get(i).port())));
		}
		long deadline = System.nanoTime() + 30_000_000_000L;
		while (!cluster.isOk()) {
			if (System.nanoTime() > deadline) {
				cluster.close();
				throw new IllegalStateException("Redis Cluster did not reach cluster_state:ok");
			}
			LockSupport.parkNanos(50_000_000);
		}
		return cluster;
	}

	/**
	 * Create a started connection factory for the cluster; the caller destroys it.
	 * @return the connection factory
	 */
	public LettuceConnectionFactory connectionFactory() {
		LettuceConnectionFactory factory = new LettuceConnectionFactory(configuration());
		factory.afterPropertiesSet();
		factory.start();
		return factory;
	}

	/**
	 * Return the cluster's configuration, naming every node.
	 * @return the configuration
	 */
	public RedisClusterConfiguration configuration() {
		return new RedisClusterConfiguration(
				this.nodes.stream().map((node) -> node.host() + ":" + node.port()).toList());
	}

	private boolean isOk() {
		return this.nodes.stream().allMatch((node) -> {
			String info = node.command("CLUSTER", "INFO");
			return info.contains("cluster_state:ok") && info.contains("cluster_known_nodes:3");
		});
	}

	private static void expectOk(String reply) {
		if (!reply.startsWith("+OK")) {
			throw new IllegalStateException("Unexpected cluster setup reply: " + reply);
		}
	}

	@Override
	public void close() {
		this.nodes.forEach(TestRedis::stop);
		try (var files = Files.list(this.directory)) {
			for (Path file : files.toList()) {
				Files.deleteIfExists(file);
			}
			Files.deleteIfExists(this.directory);
		}
		catch (IOException ex) {
			// A temporary directory left behind is harmless.
		}
	}

}
