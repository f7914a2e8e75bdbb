package io.github.llmquota.sample;

import io.github.llmquota.sample.load.LoadRunner;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * An LLM-backed service governed by llm-quota: {@code POST /chat} at INTERACTIVE priority,
 * background summaries, a live page at {@code /}, and a load mode
 * ({@code --sample.load.enabled=true}) that prints one {@code LOAD-SUMMARY} line and exits.
 */
@SpringBootApplication
public class SampleApplication {

	public static void main(String[] args) {
		ConfigurableApplicationContext context = SpringApplication.run(SampleApplication.class, args);
		// A load run has finished by the time run() returns.
		if (context.getBeanProvider(LoadRunner.class).getIfAvailable() != null) {
			System.exit(SpringApplication.exit(context));
		}
	}

}
