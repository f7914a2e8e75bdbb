package io.github.llmquota.redis;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.github.llmquota.redis.ScriptProtocol.AcquireArgs;
import io.github.llmquota.redis.ScriptProtocol.BudgetArgs;
import io.github.llmquota.redis.ScriptProtocol.FeedbackArgs;
import io.github.llmquota.redis.ScriptProtocol.PoolConfig;
import io.github.llmquota.redis.ScriptProtocol.SettleArgs;
import io.github.llmquota.redis.ScriptProtocol.TenantArgs;
import io.github.llmquota.redis.ScriptProtocol.UserArgs;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The wire form of the script's arguments: an op's arguments by position, in the order
 * the script's glossary names them, the pool config by name.
 */
class ScriptProtocolTests {

	@Test
	void opArgumentsAreWrittenByPositionWithTrailingAbsentOnesLeftOut() {
		AcquireArgs acquire = new AcquireArgs("w.1", "w", 2, new long[] { 1, 1000, 500 }, 0, "model", null, null, null,
				null, null, null, null);
		assertThat(ScriptProtocol.write(acquire)).isEqualTo("[\"w.1\",\"w\",2,[1,1000,500],0,\"model\"]");
		SettleArgs settle = new SettleArgs("w.1", new long[] { 0, 0, -380 }, "model",
				new FeedbackArgs("ok", null, null, null, null, null), null, null, null, null, null, null);
		assertThat(ScriptProtocol.write(settle)).isEqualTo("[\"w.1\",[0,0,-380],\"model\",[\"ok\"]]");
	}

	@Test
	void feedbackForTheScopesOfTheChainTravelsLastNearestScopeFirst() {
		FeedbackArgs feedback = new FeedbackArgs("", null, null, null, null,
				Arrays.asList(null, new long[][] { { 57000 }, { 0 } }));
		assertThat(ScriptProtocol.write(feedback)).isEqualTo("[\"\",null,null,null,null,[null,[[57000],[0]]]]");
	}

	@Test
	void absentArgumentsBeforePresentOnesKeepTheirPlaceAsNull() {
		SettleArgs settle = new SettleArgs("w.1", new long[] { 5 }, null, null,
				new UserArgs("h", List.of("rpm"), new double[] { 10 }, new double[] { 0.5 }, null, new long[] { 1 }),
				true, 3L, null, null, null);
		assertThat(ScriptProtocol.write(settle))
			.isEqualTo("[\"w.1\",[5],null,null,[\"h\",[\"rpm\"],[10.0],[0.5],null,[1]],true,3]");
	}

	@Test
	void tenantTravelsLastInAcquire() {
		AcquireArgs acquire = new AcquireArgs("w.1", "w", 2, new long[] { 1 }, 0, null, null, null, null, null,
				new TenantArgs("ab12", 3, 1500), null, null);
		assertThat(ScriptProtocol.write(acquire))
			.isEqualTo("[\"w.1\",\"w\",2,[1],0,null,null,null,null,null,[\"ab12\",3.0,1500]]");
	}

	@Test
	void budgetsTravelLastInAcquireEachByPosition() {
		AcquireArgs acquire = new AcquireArgs("w.1", "w", 2, new long[] { 1 }, 0, null, null, null, null, null, null,
				List.of(new BudgetArgs("$:monthly:2026-12-01", 50_000_000L, 4_500, 1_798_761_600_000L, null, null, null,
						null)),
				null);
		assertThat(ScriptProtocol.write(acquire)).isEqualTo(
				"[\"w.1\",\"w\",2,[1],0,null,null,null,null,null,null,[[\"$:monthly:2026-12-01\",50000000,4500,1798761600000]]]");
	}

	@Test
	void aScopesBudgetNamesItsScopeLast() {
		BudgetArgs budget = new BudgetArgs("$:daily:2026-12-06", null, 10, 1L, null, null, null, "project");
		assertThat(ScriptProtocol.write(budget))
			.isEqualTo("[\"$:daily:2026-12-06\",null,10,1,null,null,null,\"project\"]");
	}

	@Test
	void tenantLimitTravelsLastInAcquireAndSettle() {
		UserArgs gate = new UserArgs("cd34", List.of("tpm"), new double[] { 10 }, new double[] { 0.5 },
				new long[] { 2 }, null);
		AcquireArgs acquire = new AcquireArgs("w.1", "w", 0, new long[] { 1 }, 0, null, null, null, null, null, null,
				null, gate);
		assertThat(ScriptProtocol.write(acquire)).isEqualTo(
				"[\"w.1\",\"w\",0,[1],0,null,null,null,null,null,null,null,[\"cd34\",[\"tpm\"],[10.0],[0.5],[2]]]");
		SettleArgs settle = new SettleArgs("w.1", new long[] { 5 }, null, null, null, null, null, null, new UserArgs(
				"cd34", List.of("tpm"), new double[] { 10 }, new double[] { 0.5 }, null, new long[] { -1 }), null);
		assertThat(ScriptProtocol.write(settle))
			.isEqualTo("[\"w.1\",[5],null,null,null,null,null,null,[\"cd34\",[\"tpm\"],[10.0],[0.5],null,[-1]]]");
	}

	@Test
	void poolConfigIsWrittenByNameWithAbsentValuesLeftOut() {
		PoolConfig config = new PoolConfig("p", List.of("rpm"), new double[] { 10 }, new double[] { 0.5 }, 0, 1000,
				new double[] { 0 }, new int[] { 1 }, 1, 3000, "c:w:", 0.5, 0.1, 0.05, 1000, 60000, 0, null, null, null,
				null, null, null, null, null, null);
		assertThat(ScriptProtocol.write(config)).startsWith("{\"pool\":\"p\",\"dimensions\":[\"rpm\"]")
			.doesNotContain("null")
			.doesNotContain("ForTests");
	}

}
