package io.github.llmquota.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * An LLM-backed service governed by llm-quota: {@code POST /chat} at INTERACTIVE
 * priority, background summaries and a live page at {@code /}.
 */
@SpringBootApplication
public class SampleApplication {

	public static void main(String[] args) {
		SpringApplication.run(SampleApplication.class, args);
	}

}
