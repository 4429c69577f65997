extension PersonaRules {
    /// The default rule set for bank clients, driven by heat, trend, tenure and channel mix.
    ///
    /// Features: `heat` and `trend` (integers of the heat model), `level` (`cold` / `cool` /
    /// `warm` / `hot`), `cooling` (`true` / `false`), `tenure_weeks` (weeks since the account
    /// opened) and `personal_share` (the share of the window's events that are meetings or
    /// calls, 0 ... 1). Rules, in order: New, Dormant, Cooling, Loyal core, Rising; fallback
    /// Steady. The same set is `Examples/personas/bank.json`.
    ///
    /// ```swift
    /// let persona = PersonaRules.bank.assign(["tenure_weeks": .number(12)]).label   // "New"
    /// ```
    public static let bank = PersonaRules(name: "bank", rules: [
        PersonaRule(id: "new", label: "New", description: "Opened their account less than six months ago.",
                    traits: ["onboarding", "first impressions count"],
                    when: [PersonaCondition(feature: "tenure_weeks", op: .below, value: 26)]),
        PersonaRule(id: "dormant", label: "Dormant", description: "Cold and not warming up: little or no contact in the window.",
                    traits: ["reactivation candidate", "low engagement"],
                    when: [PersonaCondition(feature: "level", op: .isIn, values: ["cold"]),
                           PersonaCondition(feature: "trend", op: .atMost, value: 0)]),
        PersonaRule(id: "cooling", label: "Cooling", description: "Engagement is falling fast from a meaningful level.",
                    traits: ["churn risk", "call soon"],
                    when: [PersonaCondition(feature: "cooling", op: .isIn, values: ["true"])]),
        PersonaRule(id: "loyal-core", label: "Loyal core", description: "Warm or hot, two years or more, and much of the contact in person or by phone.",
                    traits: ["relationship", "personal channels", "long tenure"],
                    when: [PersonaCondition(feature: "level", op: .isIn, values: ["warm", "hot"]),
                           PersonaCondition(feature: "tenure_weeks", op: .atLeast, value: 104),
                           PersonaCondition(feature: "personal_share", op: .atLeast, value: 0.3)]),
        PersonaRule(id: "rising", label: "Rising", description: "Engagement is growing: the last four weeks beat the four before.",
                    traits: ["momentum", "cross-sell window"],
                    when: [PersonaCondition(feature: "trend", op: .above, value: 0)]),
    ], fallback: PersonaRule(id: "steady", label: "Steady", description: "No rule fired: stable engagement.", traits: [], when: []))

    /// The default rule set for retail shoppers, driven by spend, frequency, discounts and ratings.
    ///
    /// Features: `spend` (total spend), `frequency` (orders), `discount_share` (share of orders
    /// with a discount, 0 ... 1), `avg_rating` (mean product rating given, 1 ... 5) and
    /// `avg_order_value`. Rules, in order: Premium Loyalist, Bargain Hunter, Quality Seeker,
    /// Occasional; fallback Regular. The same set is `Examples/personas/retail.json`.
    ///
    /// ```swift
    /// let persona = PersonaRules.retail.assign(["frequency": .number(2), "spend": .number(80)]).label   // "Occasional"
    /// ```
    public static let retail = PersonaRules(name: "retail", rules: [
        PersonaRule(id: "premium-loyalist", label: "Premium Loyalist", description: "High spend over many orders.",
                    traits: ["high value", "frequent"],
                    when: [PersonaCondition(feature: "spend", op: .atLeast, value: 1000),
                           PersonaCondition(feature: "frequency", op: .atLeast, value: 12)]),
        PersonaRule(id: "bargain-hunter", label: "Bargain Hunter", description: "Most orders use a discount.",
                    traits: ["price sensitive", "responds to promotions"],
                    when: [PersonaCondition(feature: "discount_share", op: .atLeast, value: 0.5)]),
        PersonaRule(id: "quality-seeker", label: "Quality Seeker", description: "Rates highly and buys larger baskets.",
                    traits: ["quality first", "reviews matter"],
                    when: [PersonaCondition(feature: "avg_rating", op: .atLeast, value: 4.2),
                           PersonaCondition(feature: "avg_order_value", op: .atLeast, value: 60)]),
        PersonaRule(id: "occasional", label: "Occasional", description: "Three orders or fewer.",
                    traits: ["infrequent", "re-engage"],
                    when: [PersonaCondition(feature: "frequency", op: .atMost, value: 3)]),
    ], fallback: PersonaRule(id: "regular", label: "Regular", description: "No rule fired: an everyday shopper.", traits: [], when: []))
}
