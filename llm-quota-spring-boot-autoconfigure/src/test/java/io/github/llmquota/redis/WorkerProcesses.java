package io.github.llmquota.redis;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.github.llmquota.engine.DefaultQuotaEngine;
import io.github.llmquota.engine.QuotaSettings;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * The worker JVMs of one test. Each is killed when {@link #close()} runs (from a
 * {@code finally} block or {@code @AfterEach}, so also when the test fails) and, failing
 * that, when this JVM shuts down. A worker that calls {@link #dieWithParent()} also halts
 * when this JVM dies without running its shutdown hooks (SIGKILL, a crashed fork).
 */
final class WorkerProcesses implements AutoCloseable {

	/**
	 * The line a worker prints once it is ready to be used.
	 */
	static final String READY = "READY";

	private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

	private final List<Process> processes = new CopyOnWriteArrayList<>();

	private final Thread shutdownHook = new Thread(this::destroyAll, "worker-processes-reaper");

	WorkerProcesses() {
		Runtime.getRuntime().addShutdownHook(this.shutdownHook);
	}

	/**
	 * Start a JVM running a main class on this JVM's class path, and wait until it prints
	 * {@link #READY}.
	 * @param main the main class
	 * @param args its arguments
	 * @return the process, ready
	 * @throws Exception if it could not be started, exits before it is ready, or is not
	 * ready in time; it is killed then
	 */
	Process start(Class<?> main, String... args) throws Exception {
		String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
		List<String> command = new ArrayList<>(
				List.of(java, "-cp", System.getProperty("java.class.path"), main.getName()));
		command.addAll(List.of(args));
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		this.processes.add(process);
		// Read on another thread, so that a worker that hangs before it is ready cannot
		// hang the test: the timeout kills it, which ends the read.
		CompletableFuture<Boolean> reading = CompletableFuture.supplyAsync(() -> awaitReady(process));
		boolean ready = false;
		try {
			ready = reading.get(READY_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
			if (!ready) {
				throw new IllegalStateException("The worker JVM exited before it was ready: " + process.waitFor());
			}
			return process;
		}
		catch (TimeoutException ex) {
			throw new IllegalStateException("The worker JVM was not ready within " + READY_TIMEOUT, ex);
		}
		finally {
			if (!ready) {
				destroy(process);
			}
		}
	}

	private static boolean awaitReady(Process process) {
		try (BufferedReader output = new BufferedReader(
				new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
			String line;
			while ((line = output.readLine()) != null) {
				if (line.equals(READY)) {
					return true;
				}
			}
			return false;
		}
		catch (IOException ex) {
			return false;
		}
	}

	/**
	 * Kill every worker still alive and wait for it to be gone.
	 */
	@Override
	public void close() {
		destroyAll();
		try {
			Runtime.getRuntime().removeShutdownHook(this.shutdownHook);
		}
		catch (IllegalStateException ex) {
			// The JVM is shutting down: the hook runs anyway, and finds nothing left to
			// kill.
		}
	}

	private void destroyAll() {
		this.processes.forEach(WorkerProcesses::destroy);
		this.processes.clear();
	}

	private static void destroy(Process process) {
		process.descendants().forEach(ProcessHandle::destroyForcibly);
		process.destroyForcibly();
		try {
			process.waitFor(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * The engine of a worker JVM, on its own connection to the Redis the test names in
	 * the worker's arguments (host, port, key prefix).
	 * @param args the worker's arguments
	 * @param settings the settings the test and its workers share
	 * @return the engine
	 */
	static DefaultQuotaEngine workerEngine(String[] args, QuotaSettings settings) {
		LettuceConnectionFactory factory = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration(args[0], Integer.parseInt(args[1])));
		factory.afterPropertiesSet();
		factory.start();
		return new DefaultQuotaEngine(settings, new RedisQuotaStore(factory, settings, args[2]));
	}

	/**
	 * Called first in a worker's main method: halt the worker as soon as the JVM that
	 * started it is gone, however it ended.
	 */
	static void dieWithParent() {
		ProcessHandle.current()
			.parent()
			.ifPresent((parent) -> parent.onExit().thenRun(() -> Runtime.getRuntime().halt(3)));
	}

}
