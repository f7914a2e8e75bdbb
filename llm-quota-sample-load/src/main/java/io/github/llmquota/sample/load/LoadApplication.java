package io.github.llmquota.sample.load;

import io.github.llmquota.sample.SampleApplication;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;

/**
 * The sample application with load mode added: with {@code --sample.load.enabled=true} it
 * runs the {@link LoadRunner} once the sample has started, prints one
 * {@code LOAD-SUMMARY} line and exits; without, it is the sample application.
 */
@SpringBootConfiguration
@Import({ SampleApplication.class, LoadConfiguration.class })
public class LoadApplication {

	public static void main(String[] args) {
		ConfigurableApplicationContext context = SpringApplication.run(LoadApplication.class, args);
		// A load run has finished by the time run() returns.
		if (context.getBeanProvider(LoadRunner.class).getIfAvailable() != null) {
			System.exit(SpringApplication.exit(context));
		}
	}

}
