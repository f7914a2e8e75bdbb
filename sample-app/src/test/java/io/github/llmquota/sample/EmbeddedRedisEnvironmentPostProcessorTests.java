package io.github.llmquota.sample;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

class EmbeddedRedisEnvironmentPostProcessorTests {

	private final EmbeddedRedisEnvironmentPostProcessor postProcessor = new EmbeddedRedisEnvironmentPostProcessor();

	@Test
	void leavesARedisPortOfTheApplicationAlone() {
		MockEnvironment environment = new MockEnvironment().withProperty("spring.data.redis.port", "6390");

		this.postProcessor.postProcessEnvironment(environment, new SpringApplication());

		assertThat(environment.getPropertySources().contains("embeddedRedis")).isFalse();
		assertThat(environment.getProperty("spring.data.redis.host")).isNull();
	}

	@Test
	void startsOnTheConfiguredPortSoThatOtherInstancesCanShareIt() throws IOException {
		int port = freePort();
		MockEnvironment environment = new MockEnvironment().withProperty("sample.embedded-redis.port",
				Integer.toString(port));

		this.postProcessor.postProcessEnvironment(environment, new SpringApplication());

		assertThat(environment.getProperty("spring.data.redis.port", Integer.class)).isEqualTo(port);
		assertThat(ping(port)).isEqualTo("+PONG");
	}

	private static String ping(int port) throws IOException {
		try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
			OutputStream out = socket.getOutputStream();
			out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			InputStream in = socket.getInputStream();
			StringBuilder line = new StringBuilder();
			for (int c = in.read(); c != -1 && c != '\r'; c = in.read()) {
				line.append((char) c);
			}
			return line.toString();
		}
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

}
