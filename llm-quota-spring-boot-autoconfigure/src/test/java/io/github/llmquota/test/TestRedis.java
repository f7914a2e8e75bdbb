package io.github.llmquota.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * A real Redis server for tests, started on a free loopback port and stopped when the
 * test JVM exits. The binary is the one shipped in the
 * {@code com.github.codemonstur:embedded-redis} jar (Redis 6.2, the oldest version
 * llm-quota supports), or {@code redis-server} on the PATH when the jar has none for this
 * platform, or the one named by {@code LLMQUOTA_TEST_REDIS_SERVER}. Set
 * {@code LLMQUOTA_TEST_REDIS_URL} ({@code redis://host:port}) to run the same tests
 * against an external Redis instead.
 */
public final class TestRedis {

	private static TestRedis shared;

	private final String host;

	private final int port;

	private final Path binary;

	private final List<String> extraArgs;

	private Process process;

	private TestRedis(String host, int port, Path binary, List<String> extraArgs) {
		this.host = host;
		this.port = port;
		this.binary = binary;
		this.extraArgs = extraArgs;
	}

	/**
	 * Return the Redis server shared by all tests of this JVM, starting it on first use.
	 * @return the server
	 */
	public static synchronized TestRedis shared() {
		if (shared == null) {
			String url = System.getenv("LLMQUOTA_TEST_REDIS_URL");
			if (url != null && !url.isBlank()) {
				URI uri = URI.create(url);
				shared = new TestRedis(uri.getHost(), (uri.getPort() > 0) ? uri.getPort() : 6379, null, List.of());
			}
			else {
				shared = startNew();
				Runtime.getRuntime().addShutdownHook(new Thread(shared::stop));
			}
		}
		return shared;
	}

	/**
	 * Start a private server that the caller stops, for tests that kill and restart
	 * Redis.
	 * @return the running server
	 */
	public static TestRedis startNew() {
		return startNew(List.of());
	}

	/**
	 * Start a private server with extra command-line settings; the caller stops it.
	 * @param extraArgs settings such as {@code --cluster-enabled yes}
	 * @return the running server
	 */
	public static TestRedis startNew(List<String> extraArgs) {
		TestRedis redis = new TestRedis("127.0.0.1", freePort(), binary(), List.copyOf(extraArgs));
		redis.start();
		return redis;
	}

	/**
	 * Start a Redis Sentinel that monitors a master under the name {@code mymaster}; the
	 * caller stops it.
	 * @param master the master
	 * @return the running sentinel
	 */
	public static TestRedis startSentinel(TestRedis master) {
		try {
			Path config = Files.createTempFile("llmquota-sentinel", ".conf");
			Files.writeString(config,
					"protected-mode no\nsentinel monitor mymaster " + master.host() + " " + master.port() + " 1\n");
			return startNew(List.of(config.toString(), "--sentinel"));
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	public String host() {
		return this.host;
	}

	public int port() {
		return this.port;
	}

	/**
	 * Create a started connection factory with its own connections; the caller destroys
	 * it.
	 * @return the connection factory
	 */
	public LettuceConnectionFactory connectionFactory() {
		LettuceConnectionFactory factory = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration(this.host, this.port));
		factory.afterPropertiesSet();
		factory.start();
		return factory;
	}

	/**
	 * Run one command over a plain socket and return the raw RESP reply.
	 * @param args the command and its arguments
	 * @return the reply
	 */
	public String command(String... args) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(this.host, this.port), 1000);
			socket.setSoTimeout(5000);
			StringBuilder request = new StringBuilder("*" + args.length + "\r\n");
			for (String arg : args) {
				request.append('$')
					.append(arg.getBytes(StandardCharsets.UTF_8).length)
					.append("\r\n")
					.append(arg)
					.append("\r\n");
			}
			OutputStream out = socket.getOutputStream();
			out.write(request.toString().getBytes(StandardCharsets.UTF_8));
			out.flush();
			InputStream in = socket.getInputStream();
			byte[] buffer = new byte[65536];
			int read = in.read(buffer);
			return (read > 0) ? new String(buffer, 0, read, StandardCharsets.UTF_8) : "";
		}
		catch (IOException ex) {
			throw new IllegalStateException("Redis at " + this.host + ":" + this.port + " did not answer", ex);
		}
	}

	/**
	 * Start the server process (again, after {@link #stop()}) on the same port.
	 */
	public synchronized void start() {
		if (this.binary == null) {
			throw new IllegalStateException("An external Redis cannot be started by the tests");
		}
		List<String> command = new ArrayList<>(List.of(this.binary.toString()));
		if (this.extraArgs.contains("--sentinel")) {
			// A sentinel takes its configuration file first and no persistence settings.
			command.addAll(this.extraArgs);
			command.addAll(List.of("--port", Integer.toString(this.port), "--bind", "127.0.0.1"));
		}
		else {
			command.addAll(List.of("--port", Integer.toString(this.port), "--bind", "127.0.0.1", "--save", "",
					"--appendonly", "no", "--protected-mode", "no"));
			command.addAll(this.extraArgs);
		}
		try {
			this.process = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.DISCARD)
				.start();
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not start " + this.binary, ex);
		}
		long deadline = System.nanoTime() + 20_000_000_000L;
		while (System.nanoTime() < deadline) {
			try {
				if (command("PING").startsWith("+PONG")) {
					return;
				}
			}
			catch (IllegalStateException ex) {
				if (!this.process.isAlive()) {
					throw new IllegalStateException("redis-server exited with " + this.process.exitValue());
				}
			}
			java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
		}
		throw new IllegalStateException("redis-server did not come up on port " + this.port);
	}

	/**
	 * Stop the server process, as abruptly as a crash.
	 */
	public synchronized void stop() {
		if (this.process != null) {
			this.process.destroyForcibly();
			try {
				this.process.waitFor();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			this.process = null;
		}
	}

	/**
	 * Freeze the server process (SIGSTOP), as a long GC-like stall or a frozen VM would:
	 * connections stay open and commands are accepted by the kernel, but nothing answers.
	 */
	public synchronized void pause() {
		signal("-STOP");
	}

	/**
	 * Let a {@link #pause() paused} server run again (SIGCONT); it answers what it was
	 * sent.
	 */
	public synchronized void resume() {
		signal("-CONT");
	}

	private void signal(String signal) {
		if (this.process == null) {
			throw new IllegalStateException("Only a server started by the tests can be signalled");
		}
		try {
			Process kill = new ProcessBuilder("kill", signal, Long.toString(this.process.pid())).inheritIO().start();
			if (kill.waitFor() != 0) {
				throw new IllegalStateException("kill " + signal + " failed for redis-server " + this.process.pid());
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private static Path binary() {
		String explicit = System.getenv("LLMQUOTA_TEST_REDIS_SERVER");
		if (explicit != null && !explicit.isBlank()) {
			return Path.of(explicit);
		}
		String resource = embeddedBinaryName();
		if (resource != null) {
			try (InputStream in = TestRedis.class.getResourceAsStream("/" + resource)) {
				if (in != null) {
					Path target = Path.of(System.getProperty("java.io.tmpdir"), "llmquota-" + resource);
					if (!Files.exists(target)) {
						Path temp = Files.createTempFile("llmquota-redis", ".tmp");
						Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
						temp.toFile().setExecutable(true);
						Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
					}
					return target;
				}
			}
			catch (IOException ex) {
				throw new IllegalStateException("Could not extract " + resource, ex);
			}
		}
		for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
			Path candidate = Path.of(dir, "redis-server");
			if (Files.isExecutable(candidate)) {
				return candidate;
			}
		}
		throw new IllegalStateException("No redis-server for this platform: add one to the PATH, "
				+ "or set LLMQUOTA_TEST_REDIS_SERVER or LLMQUOTA_TEST_REDIS_URL");
	}

	private static String embeddedBinaryName() {
		String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
		String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
		if (os.contains("linux")) {
			return switch (arch) {
				case "amd64", "x86_64" -> "redis-server-6.2.6-v5-linux-amd64";
				case "aarch64", "arm64" -> "redis-server-6.2.7-linux-arm64";
				default -> null;
			};
		}
		if (os.contains("mac")) {
			return arch.contains("aarch64") ? "redis-server-6.2.6-v5-darwin-arm64"
					: "redis-server-6.2.6-v5-darwin-amd64";
		}
		return null;
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
