package io.github.llmquota.autoconfigure;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.assertj.ApplicationContextAssertProvider;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the configuration tests check of a startup that invalid properties stopped.
 */
final class StartupFailures {

	private StartupFailures() {
	}

	/**
	 * Assert that the context did not start because of the property named, for the reason
	 * given, and that the failure analysis names the property.
	 * @param context the context that should have failed
	 * @param named the property the failure must name
	 * @param reason what its message must say
	 * @return the failure analysis, for further checks
	 */
	static FailureAnalysis assertFailedOn(ApplicationContextAssertProvider<?> context, String named, String reason) {
		assertThat(context).hasFailed();
		InvalidQuotaConfigurationException cause = invalidConfiguration(context.getStartupFailure());
		assertThat(cause.getProperty()).isEqualTo(named);
		assertThat(cause.getMessage()).contains(reason);
		FailureAnalysis analysis = new InvalidQuotaConfigurationFailureAnalyzer().analyze(context.getStartupFailure());
		assertThat(analysis.getDescription()).contains("Property: " + named);
		return analysis;
	}

	/**
	 * Return the invalid configuration behind a startup failure, failing the test when
	 * there is none.
	 * @param failure the startup failure
	 * @return the invalid configuration among its causes
	 */
	static InvalidQuotaConfigurationException invalidConfiguration(Throwable failure) {
		Throwable cause = failure;
		while (cause != null && !(cause instanceof InvalidQuotaConfigurationException)) {
			cause = cause.getCause();
		}
		assertThat(cause).as("startup failure caused by invalid configuration")
			.isInstanceOf(InvalidQuotaConfigurationException.class);
		return (InvalidQuotaConfigurationException) cause;
	}

}
