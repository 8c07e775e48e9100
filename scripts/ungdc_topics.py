"""The topics the UN General Debate stance corpus is sampled on: id, phrase, target kind and the pattern that
finds sentences touching the topic (a sampling aid only: the labels come from reading, never from the pattern).

Used by ``scripts/build_ungdc_sample.py``. ``kind`` is ``actor`` when the target is a person, a government or an
organisation (stance toward it is what a speaker report shows) and ``issue`` otherwise.
"""

from __future__ import annotations

UKRAINE = r"(Ukrain|Donbas|Donbass|Crimea|Donetsk|Luhansk|Kyiv|Kiev)"

# (id, phrase, kind, pattern)
TOPICS: list[tuple[str, str, str, str]] = [
    # the three default topics
    ("ukraine_ceasefire", "a ceasefire in the Russia–Ukraine war", "issue",
     UKRAINE + r"|ceasefire|cease-fire|cessation of hostilities|Minsk"),
    ("russia_sanctions", "Western sanctions on Russia", "issue",
     r"sanction|coercive measures|restrictive measures"),
    ("china_peace_plan", "China's peace proposal for Ukraine", "issue",
     UKRAINE + r".*(peace|negotiat|dialogue|settlement|mediat)|(peace|negotiat|dialogue|settlement|mediat).*" + UKRAINE),
    # actors: governments, leaders, organisations
    ("russia_gov", "the Russian government", "actor", r"Russia"),
    ("ukraine_gov", "the government of Ukraine", "actor", UKRAINE),
    ("us_gov", "the United States government", "actor", r"United States|Washington|American"),
    ("china_gov", "the Chinese government", "actor", r"China|Chinese|Beijing"),
    ("israel_gov", "the Israeli government", "actor", r"Israel"),
    ("iran_gov", "the Iranian government", "actor", r"\bIran"),
    ("assad_gov", "the Assad government in Syria", "actor", r"Syria|Assad|Damascus"),
    ("maduro_gov", "the Maduro government in Venezuela", "actor", r"Venezuela|Maduro"),
    ("dprk_gov", "the North Korean government", "actor", r"Democratic People's Republic of Korea|North Korea|Pyongyang|DPRK"),
    ("taliban", "the Taliban", "actor", r"Taliban|Afghanistan"),
    ("myanmar_junta", "the military junta in Myanmar", "actor", r"Myanmar|Rohingya"),
    ("saudi_coalition", "the Saudi-led coalition in Yemen", "actor", r"Yemen|Houthi|coalition to support legitimacy"),
    ("security_council", "the UN Security Council", "actor", r"Security Council"),
    ("who", "the World Health Organization", "actor", r"World Health Organization|\bWHO\b"),
    ("european_union", "the European Union", "actor", r"European Union|\bEU\b"),
    ("nato", "NATO", "actor", r"NATO|North Atlantic"),
    ("icc", "the International Criminal Court", "actor", r"International Criminal Court|\bICC\b|Rome Statute"),
    ("imf_world_bank", "the IMF and the World Bank", "actor", r"International Monetary Fund|\bIMF\b|World Bank|Bretton Woods"),
    ("united_nations", "the United Nations", "actor", r"United Nations|the Organization\b|multilateral"),
    ("azerbaijan_gov", "the government of Azerbaijan", "actor", r"Azerbaijan|Nagorno|Karabakh|Armenia"),
    # issues
    ("un_sc_expansion", "expanding the permanent membership of the UN Security Council", "issue",
     r"Security Council.*(reform|expan|permanent|enlarg|representation)|(reform|expan|enlarg).*Security Council|Ezulwini|veto"),
    ("veto", "the veto power of the permanent members of the Security Council", "issue", r"veto"),
    ("tpnw", "the Treaty on the Prohibition of Nuclear Weapons", "issue",
     r"Prohibition of Nuclear Weapons|nuclear weapons|nuclear disarmament|TPNW"),
    ("npt", "the Non-Proliferation Treaty", "issue", r"Non-Proliferation|NPT|non-proliferation"),
    ("iran_deal", "the Iran nuclear deal (JCPOA)", "issue", r"Joint Comprehensive Plan of Action|JCPOA|nuclear deal|Iran.*nuclear|nuclear.*Iran"),
    ("paris_agreement", "the Paris climate agreement", "issue", r"Paris Agreement|Paris climate|Paris accord"),
    ("loss_damage", "a fund for climate loss and damage", "issue", r"loss and damage|climate financ|Green Climate Fund|\$100 billion"),
    ("fossil_phaseout", "phasing out fossil fuels", "issue", r"fossil|coal|oil and gas|renewable|energy transition"),
    ("two_state", "a two-state solution for Israel and Palestine", "issue", r"two-State|two State|Palestin"),
    ("israeli_settlements", "Israeli settlements in the occupied territories", "issue", r"settlement|occupied Palestinian|West Bank|occupation"),
    ("cuba_embargo", "the US embargo on Cuba", "issue", r"embargo|blockade.*Cuba|Cuba"),
    ("unilateral_sanctions", "unilateral sanctions", "issue", r"unilateral|coercive measures|sanction"),
    ("migration_compact", "the Global Compact for Migration", "issue", r"Global Compact|migra|Marrakech"),
    ("refugees", "hosting refugees", "issue", r"refugee|displaced|asylum"),
    ("sdgs", "the 2030 Agenda for Sustainable Development", "issue", r"2030 Agenda|Sustainable Development Goals|SDG"),
    ("debt_relief", "debt relief for developing countries", "issue", r"\bdebt"),
    ("ifi_reform", "reforming the international financial system", "issue", r"international financial (architecture|institutions|system)|Bretton Woods|special drawing rights|SDRs"),
    ("vaccine_equity", "equitable access to COVID-19 vaccines", "issue", r"vaccin|COVAX|TRIPS"),
    ("western_sahara", "self-determination for Western Sahara", "issue", r"Western Sahara|Sahrawi|POLISARIO|autonomy initiative|Moroccan Sahara"),
    ("cyprus", "a settlement reunifying Cyprus", "issue", r"Cyprus|Cypriot"),
    ("korea_denuclear", "the denuclearization of the Korean peninsula", "issue", r"Korean Peninsula|denucleariz"),
    ("taiwan_un", "Taiwan's participation in the United Nations system", "issue", r"Taiwan|Republic of China"),
    ("chagos", "Mauritius's sovereignty over the Chagos Archipelago", "issue", r"Chagos|Diego Garcia"),
    ("malvinas", "Argentina's sovereignty claim over the Falklands/Malvinas", "issue", r"Malvinas|Falkland"),
    ("r2p", "the responsibility to protect", "issue", r"responsibility to protect|humanitarian intervention|R2P"),
    ("peacekeeping", "UN peacekeeping operations", "issue", r"peacekeep|peace operations|MINUSMA|MONUSCO|UNIFIL"),
    ("counterterrorism", "international cooperation against terrorism", "issue", r"terroris"),
    ("libya_elections", "holding national elections in Libya", "issue", r"Libya"),
    ("rohingya_return", "the return of the Rohingya to Myanmar", "issue", r"Rohingya|Rakhine"),
    ("ocean_protection", "a treaty protecting the high seas", "issue", r"high seas|BBNJ|biodiversity beyond|ocean|marine"),
    ("sea_level_statehood", "preserving maritime zones and statehood despite sea-level rise", "issue", r"sea[- ]level|maritime zones|baselines"),
    ("gender_equality", "gender equality and women's empowerment", "issue", r"women|gender"),
    ("death_penalty", "abolishing the death penalty", "issue", r"death penalty|capital punishment|moratorium on (the use of )?executions"),
    ("kosovo", "the independence of Kosovo", "issue", r"Kosovo|Pristina|Belgrade"),
    ("georgia_occupation", "Russia's presence in Abkhazia and South Ossetia", "issue", r"Abkhazia|South Ossetia|Tskhinvali|occupied regions of Georgia"),
    ("belt_and_road", "China's Belt and Road Initiative", "issue", r"Belt and Road|Silk Road"),
]

# The third round's topics (``scripts/build_ungdc_sample.py --war``): statements on the Russia–Ukraine war, each
# paired with the war itself, a ceasefire in it and, in turn, sanctions or the two governments. The war is a
# topic whose direction is easy to misread: condemning it is `against` it. Kept apart from TOPICS so that the
# first round's sample stays what it was.
WAR_TOPIC = ("russia_war", "Russia's war against Ukraine", "issue", r"Russia|" + UKRAINE)

# The fourth round's topics (``scripts/build_ungdc_sample.py --more``): targets no earlier round had, from every
# part of the debates, so that the model meets more kinds of target (people, organisations, armed groups,
# conflicts, treaties, rights) than the first 59. Same form as TOPICS.
MORE_TOPICS: list[tuple[str, str, str, str]] = [
    # actors
    ("turkey_gov", "the Turkish government", "actor", r"Turkey|Türkiye|Turkish|Ankara"),
    ("india_gov", "the Indian government", "actor", r"\bIndia\b|Indian Government|New Delhi"),
    ("pakistan_gov", "the government of Pakistan", "actor", r"Pakistan"),
    ("uk_gov", "the British government", "actor", r"United Kingdom|Britain|British"),
    ("cuba_gov", "the Cuban government", "actor", r"\bCuba"),
    ("hamas", "Hamas", "actor", r"Hamas|Gaza"),
    ("isil", "the Islamic State (ISIL)", "actor", r"ISIL|ISIS|Da.esh|Daesh|Islamic State"),
    ("african_union", "the African Union", "actor", r"African Union"),
    ("secretary_general", "the UN Secretary-General", "actor", r"Secretary-General|Guterres|Ban Ki-moon"),
    ("human_rights_council", "the UN Human Rights Council", "actor", r"Human Rights Council"),
    ("wto", "the World Trade Organization", "actor", r"World Trade Organization|\bWTO\b|trading system"),
    ("putin", "Vladimir Putin", "actor", r"Putin"),
    ("trump", "Donald Trump", "actor", r"Trump"),
    ("eritrea_gov", "the government of Eritrea", "actor", r"Eritrea"),
    ("armenia_gov", "the government of Armenia", "actor", r"Armenia"),
    ("ethiopia_gov", "the Ethiopian government", "actor", r"Ethiopia|Addis Ababa|Tigray"),
    # issues
    ("cyber_rules", "binding international rules for cyberspace", "issue", r"cyber"),
    ("arms_trade", "the Arms Trade Treaty", "issue", r"Arms Trade Treaty|small arms|arms trade"),
    ("landmines", "banning landmines and cluster munitions", "issue", r"landmine|mines|cluster munitions|Ottawa Convention"),
    ("chemical_weapons", "holding users of chemical weapons to account", "issue", r"chemical weapons|OPCW|chemical attack"),
    ("lgbti_rights", "equal rights for LGBTI people", "issue", r"LGBT|sexual orientation|gender identity"),
    ("reproductive_rights", "sexual and reproductive rights", "issue", r"reproductive|abortion"),
    ("drug_war", "a punitive war on drugs", "issue", r"drug|narcotic|cocaine"),
    ("uhc", "universal health coverage", "issue", r"universal health|health coverage|health for all"),
    ("nuclear_power", "nuclear energy", "issue", r"nuclear energy|peaceful uses of nuclear|nuclear power"),
    ("free_trade", "free trade and open markets", "issue", r"protectionism|free trade|trade barriers|open markets|tariff"),
    ("oda_commitment", "rich countries meeting their aid commitments", "issue", r"official development assistance|\bODA\b|0\.7 per cent"),
    ("illicit_flows", "a crackdown on illicit financial flows and tax havens", "issue", r"illicit financial|tax evasion|tax havens|tax cooperation"),
    ("sahel_forces", "foreign military operations in the Sahel", "issue", r"Sahel|\bMali\b|Barkhane|G-5"),
    ("jerusalem_embassy", "moving embassies to Jerusalem", "issue", r"Jerusalem|embassy"),
    ("golan", "Israel's annexation of the Golan Heights", "issue", r"Golan"),
    ("kashmir", "India's policy in Jammu and Kashmir", "issue", r"Kashmir|Jammu"),
    ("xinjiang", "China's policies in Xinjiang and Hong Kong", "issue", r"Xinjiang|Uighur|Uyghur|Hong Kong"),
    ("south_china_sea", "China's claims in the South China Sea", "issue", r"South China Sea|maritime disputes|arbitral"),
    ("nile_dam", "the Grand Ethiopian Renaissance Dam", "issue", r"Renaissance Dam|\bNile\b|GERD"),
    ("colombia_peace", "the Colombian peace agreement", "issue", r"FARC|Colombia|peace agreement"),
    ("grain_deal", "the Black Sea Grain Initiative", "issue", r"Grain Initiative|grain|Black Sea|fertilizer"),
    ("multilateralism", "multilateralism", "issue", r"multilateralism|unilateralism"),
]

# The fifth round's topics (``scripts/build_ungdc_sample.py --fifth``): more targets no earlier round had, most of
# them actors (leaders, governments, movements, alliances), because what a speaker report shows is stance toward
# people and organisations, and news quotes argue about them more than about treaties. Same form as TOPICS.
FIFTH_TOPICS: list[tuple[str, str, str, str]] = [
    # actors
    ("lukashenko_gov", "the Lukashenko government in Belarus", "actor", r"Belarus|Lukashenk|Minsk"),
    ("venezuela_opposition", "the Venezuelan opposition", "actor", r"Venezuela"),
    ("ortega_gov", "the Ortega government in Nicaragua", "actor", r"Nicaragua|Ortega"),
    ("palestinian_authority", "the Palestinian Authority", "actor", r"Palestinian Authority|Palestinian leadership|President Abbas|Mahmoud Abbas|State of Palestine"),
    ("hezbollah", "Hezbollah", "actor", r"Hizbullah|Hezbollah|Hizbollah"),
    ("houthis", "the Houthis", "actor", r"Houthi|Ansar Allah|Sana'?a"),
    ("boko_haram", "Boko Haram", "actor", r"Boko Haram|Lake Chad"),
    ("al_shabaab", "Al-Shabaab", "actor", r"Shabaab|Shabab|Somalia"),
    ("haftar", "Khalifa Haftar's forces in Libya", "actor", r"Haftar|Libyan National Army|Tripoli"),
    ("sudan_military", "Sudan's military leaders", "actor", r"Sudan(?!ese)|Khartoum|Transitional Military Council|Burhan"),
    ("saudi_gov", "the Saudi government", "actor", r"Saudi"),
    ("qatar_gov", "the government of Qatar", "actor", r"Qatar"),
    ("uae_gov", "the government of the United Arab Emirates", "actor", r"United Arab Emirates|Emirati|\bUAE\b"),
    ("morocco_gov", "the Moroccan government", "actor", r"Morocc|Rabat"),
    ("serbia_gov", "the Serbian government", "actor", r"Serbia|Belgrade"),
    ("japan_gov", "the Japanese government", "actor", r"Japan"),
    ("south_korea_gov", "the South Korean government", "actor", r"Republic of Korea(?! and)|South Korea|Seoul"),
    ("france_gov", "the French government", "actor", r"France|French"),
    ("germany_gov", "the German government", "actor", r"German"),
    ("brazil_gov", "the Brazilian government", "actor", r"Brazil"),
    ("iaea", "the International Atomic Energy Agency", "actor", r"International Atomic Energy Agency|IAEA"),
    ("icj", "the International Court of Justice", "actor", r"International Court of Justice|\bICJ\b|advisory opinion"),
    ("asean", "ASEAN", "actor", r"ASEAN|Association of Southeast Asian Nations"),
    ("ecowas", "ECOWAS", "actor", r"ECOWAS|Economic Community of West African States"),
    ("arab_league", "the Arab League", "actor", r"League of Arab States|Arab League"),
    ("g20", "the G20", "actor", r"\bG-?20\b|Group of Twenty"),
    ("unrwa", "UNRWA, the UN agency for Palestine refugees", "actor", r"UNRWA|Palestine refugees|Relief and Works Agency"),
    ("big_pharma", "pharmaceutical companies", "actor", r"pharmaceutical|vaccine manufacturers|patents"),
    # issues
    ("abraham_accords", "Israel's normalization agreements with Arab states", "issue", r"Abraham|normaliz|normalis"),
    ("qatar_blockade", "the blockade of Qatar", "issue", r"Qatar|blockade|Gulf crisis|siege"),
    ("zimbabwe_sanctions", "sanctions on Zimbabwe", "issue", r"Zimbabwe"),
    ("inf_treaty", "arms control treaties between the US and Russia", "issue", r"Intermediate-Range|INF Treaty|New START|arms control"),
    ("ctbt", "the Comprehensive Nuclear-Test-Ban Treaty", "issue", r"Test-Ban|CTBT|nuclear test"),
    ("outer_space", "keeping weapons out of outer space", "issue", r"outer space|arms race in space|space-based"),
    ("autonomous_weapons", "banning lethal autonomous weapons", "issue", r"autonomous weapon|killer robots|artificial intelligence|\bAI\b"),
    ("pandemic_treaty", "a global treaty on pandemic preparedness", "issue", r"pandemic (treaty|preparedness|accord)|future pandemics|International Health Regulations"),
    ("carbon_pricing", "pricing carbon emissions", "issue", r"carbon (price|pricing|tax|market)|emissions trading|polluter"),
    ("palestine_membership", "full UN membership for the State of Palestine", "issue", r"State of Palestine|recogni[sz]e Palestine|Palestin.*(membership|recognition)|(membership|recognition).*Palestin"),
    ("syria_return", "the return of Syrian refugees to Syria", "issue", r"Syria.*(return|refugee)|(return|refugee).*Syria"),
    ("vulnerability_index", "a multidimensional vulnerability index for small island states", "issue", r"vulnerability index|small island developing|SIDS"),
]

# The sixth round: people. A speaker report shows stance toward leaders and public figures, and the earlier rounds
# had three (Vladimir Putin, Donald Trump, the UN Secretary-General). Speeches name people mostly to praise, thank or
# mourn them, sometimes to condemn them; the patterns find the sentences that name them.
SIXTH_TOPICS: list[tuple[str, str, str, str]] = [
    ("ban_ki_moon", "Ban Ki-moon", "actor", r"Ban Ki-?moon|Secretary-General Ban"),
    ("kofi_annan", "Kofi Annan", "actor", r"Kofi Annan|\bAnnan\b"),
    ("guterres", "António Guterres", "actor", r"Guterres"),
    ("lajcak", "Miroslav Lajčák", "actor", r"Laj[cč][aá]k"),
    ("hammarskjold", "Dag Hammarskjöld", "actor", r"Hammarskj"),
    ("mandela", "Nelson Mandela", "actor", r"Mandela|Madiba"),
    ("gandhi", "Mahatma Gandhi", "actor", r"Gandhi"),
    ("mlk", "Martin Luther King Jr.", "actor", r"Martin Luther King"),
    ("kennedy", "John F. Kennedy", "actor", r"Kennedy"),
    ("pope_francis", "Pope Francis", "actor", r"Pope Francis|Holy Father|His Holiness Pope|\bPope\b"),
    ("queen_elizabeth", "Queen Elizabeth II", "actor", r"Queen Elizabeth|Her (Late )?Majesty,? (the )?Queen"),
    ("thunberg", "Greta Thunberg", "actor", r"Thunberg|Greta"),
    ("tedros", "Tedros Adhanom Ghebreyesus", "actor", r"Tedros"),
    ("bachelet", "Michelle Bachelet", "actor", r"Bachelet"),
    ("kim_jong_un", "Kim Jong Un", "actor", r"Kim Jong|Chairman Kim"),
    ("xi_jinping", "Xi Jinping", "actor", r"Xi Jinping|President Xi"),
    ("biden", "Joe Biden", "actor", r"Biden"),
    ("macron", "Emmanuel Macron", "actor", r"Macron"),
    ("erdogan", "Recep Tayyip Erdoğan", "actor", r"Erdo[gğ]an"),
    ("modi", "Narendra Modi", "actor", r"\bModi\b"),
    ("maduro", "Nicolás Maduro", "actor", r"Maduro"),
    ("assad", "Bashar al-Assad", "actor", r"Assad"),
    ("zelensky", "Volodymyr Zelenskyy", "actor", r"Zelens"),
    ("fidel_castro", "Fidel Castro", "actor", r"Fidel"),
    ("raul_castro", "Raúl Castro", "actor", r"Ra[uú]l Castro"),
    ("chavez", "Hugo Chávez", "actor", r"Ch[aá]vez"),
    ("gorbachev", "Mikhail Gorbachev", "actor", r"Gorbachev"),
    ("abiy", "Abiy Ahmed", "actor", r"Abiy"),
    ("sisi", "Abdel Fattah el-Sisi", "actor", r"\bSisi\b"),
    ("merkel", "Angela Merkel", "actor", r"Merkel"),
]
