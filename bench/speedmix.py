"""The query mix of the speed benchmark (bench/speed.py).

About 15% of queries are listed names, exact or varied the way customer
data varies (a typo, reordered or dropped words, another legal form); the
rest are innocent parties: person and company names of many cultures
built from the pools below, some in their own script. Everything is drawn
from one seeded ``random.Random``, so a seed gives the same queries.
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterator
from dataclasses import dataclass, field

# --- person name pools: culture → (given names, family names, builder) ----------------

PERSON_POOLS: dict[str, tuple[list[str], list[str]]] = {
    "english": (
        "James John Robert Michael William David Richard Joseph Thomas Charles Mary Patricia Jennifer "
        "Linda Elizabeth Barbara Susan Jessica Sarah Karen Emily Olivia Jack Harry George Oliver Amelia "
        "Charlotte Sophie Daniel Matthew Andrew Rachel Laura Megan Ryan Kevin Brian".split(),
        "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore Jackson "
        "Martin Thompson White Harris Clark Lewis Robinson Walker Young Allen Wright Scott Green Baker "
        "Adams Nelson Hill Campbell Mitchell Roberts Carter Phillips Evans Turner Parker Collins "
        "Edwards Stewart Morris Murphy Cook Rogers Morgan Cooper Peterson Reed Bailey Kelly Howard "
        "Ward Cox Richardson Wood Watson Brooks Bennett Gray Hughes Price Sanders Fletcher O'Brien "
        "McDonald Fitzgerald".split(),
    ),
    "hispanic": (
        "José Juan Luis Carlos Jorge Miguel Pedro Alejandro Fernando Javier Diego Andrés Ricardo "
        "María Carmen Ana Lucía Sofía Isabel Laura Elena Valentina Camila Gabriela Paula Daniela "
        "Francisco Manuel Antonio Rafael Sergio Raúl Alberto Guadalupe Rocío Pilar".split(),
        "García Rodríguez Martínez Hernández López González Pérez Sánchez Ramírez Torres Flores "
        "Rivera Gómez Díaz Cruz Morales Reyes Gutiérrez Ortiz Jiménez Ruiz Álvarez Castillo Romero "
        "Vargas Castro Mendoza Herrera Medina Aguilar Moreno Navarro Domínguez Vázquez Ramos Gil "
        "Serrano Molina Delgado Suárez Ortega Iglesias Cabrera Fuentes".split(),
    ),
    "portuguese": (
        "João Pedro Lucas Gabriel Mateus Rafael Gustavo Felipe Thiago Bruno Ana Beatriz Mariana "
        "Juliana Larissa Fernanda Camila Letícia Amanda Bianca Rodrigo Leonardo Vinícius".split(),
        "Silva Santos Oliveira Souza Pereira Costa Rodrigues Almeida Nascimento Lima Araújo Fernandes "
        "Carvalho Gomes Martins Rocha Ribeiro Alves Monteiro Mendes Barros Freitas Barbosa Pinto "
        "Moura Cavalcanti Dias Castro Campos Cardoso Teixeira".split(),
    ),
    "french": (
        "Jean Pierre Michel Philippe Alain Nicolas Christophe Laurent Julien Antoine Marie Nathalie "
        "Isabelle Sylvie Catherine Céline Camille Manon Chloé Léa Mathieu Sébastien Guillaume "
        "François Hélène Aurélie".split(),
        "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefebvre "
        "Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard André Mercier Dupont "
        "Lambert Bonnet Fontaine Rousseau Blanc Guérin Faure Chevalier Lemaire".split(),
    ),
    "german": (
        "Hans Peter Wolfgang Klaus Jürgen Thomas Stefan Andreas Michael Markus Lukas Jonas Leon "
        "Ursula Monika Sabine Petra Claudia Anna Lena Julia Katharina Hannah Sophie Felix Maximilian "
        "Dieter Günter Helga".split(),
        "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch "
        "Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann "
        "Lange Schmitt Werner Krause Meier Lehmann Köhler Huber Kaiser Fuchs Vogel Jäger".split(),
    ),
    "italian": (
        "Giuseppe Giovanni Antonio Mario Luigi Francesco Angelo Vincenzo Pietro Salvatore Marco "
        "Andrea Alessandro Matteo Lorenzo Maria Anna Giulia Francesca Chiara Sara Martina Valentina "
        "Alessia Federica Paolo Roberto".split(),
        "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti "
        "De Luca Mancini Costa Giordano Rizzo Lombardi Moretti Barbieri Fontana Santoro Mariani "
        "Rinaldi Caruso Ferrara Galli Martini Leone Longo Gentile".split(),
    ),
    "dutch_nordic": (
        "Jan Pieter Willem Hendrik Daan Sven Lars Erik Anders Johan Nils Mikael Anna Emma Sanne "
        "Ingrid Astrid Freja Maja Elin Sigrid Bram Joris Henrik Kristian".split(),
        "de Jong|Jansen|de Vries|van den Berg|van Dijk|Bakker|Visser|Smit|Meijer|de Boer|Mulder|"
        "Bos|Vos|Peters|Hendriks|Johansson|Andersson|Karlsson|Nilsson|Eriksson|Larsson|Olsen|Hansen|"
        "Nielsen|Pedersen|Kristensen|Lindqvist|Berg|Haugen|Virtanen|Korhonen".split("|"),
    ),
    "polish_czech": (
        "Piotr Krzysztof Andrzej Tomasz Paweł Michał Marcin Jakub Anna Katarzyna Małgorzata Agnieszka "
        "Magdalena Joanna Jan Petr Tomáš Martin Jana Eva Lucie Zuzana".split(),
        "Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński Szymański Woźniak "
        "Dąbrowski Kozłowski Jankowski Mazur Kwiatkowski Krawczyk Novák Svoboda Novotný Dvořák "
        "Černý Procházka Kučera Veselý".split(),
    ),
    "russian_latin": (
        "Aleksandr Sergei Dmitri Andrei Alexei Ivan Mikhail Nikolai Vladimir Yuri Oleg Igor Pavel "
        "Anastasia Olga Tatiana Natalia Irina Svetlana Ekaterina Elena Yulia Maria Anna Viktor Roman".split(),
        "Ivanov Smirnov Kuznetsov Popov Vasiliev Petrov Sokolov Mikhailov Novikov Fedorov Morozov "
        "Volkov Alekseev Lebedev Semenov Egorov Pavlov Kozlov Stepanov Nikolaev Orlov Andreev "
        "Makarov Zakharov Zaitsev Solovyov Borisov Yakovlev Grigoriev Romanov Vorobyov Sergeev "
        "Frolov Belov Gusev Titov Kuzmin Shevchenko Bondarenko Kovalenko Melnyk Tkachenko".split(),
    ),
    "arabic_latin": (
        "Mohammed Muhammad Ahmed Ahmad Ali Omar Khalid Hassan Hussein Ibrahim Youssef Abdullah "
        "Abdulrahman Mahmoud Mustafa Tariq Karim Samir Nasser Faisal Fatima Aisha Maryam Layla "
        "Noor Huda Zainab Salma Rania Amira Hamza Bilal Rashid Walid Majid".split(),
        "Al-Sayed Haddad Khoury Nasser Mansour Saleh Hamdan Abbas Aziz Farouk Habib Jaber Kassem "
        "Mahmoud Mustafa Najjar Qasim Rahman Saeed Shams Suleiman Yousef Zaher Al-Amin Al-Hashimi "
        "El-Masri Bakr Darwish Ghanem Halabi Khalil Obeid Sabbagh Tamimi Zayed".split(),
    ),
    "persian_turkish": (
        "Reza Ali Hossein Mehdi Amir Mohammad Hamid Saeed Farhad Dariush Maryam Zahra Fatemeh Leila "
        "Shirin Parisa Mehmet Mustafa Ahmet Emre Burak Murat Hakan Ayşe Fatma Elif Zeynep Emine".split(),
        "Hosseini Mohammadi Rezaei Ahmadi Karimi Moradi Jafari Rahimi Kazemi Ebrahimi Sadeghi "
        "Yılmaz Kaya Demir Şahin Çelik Yıldız Yıldırım Öztürk Aydın Özdemir Arslan Doğan Kılıç "
        "Aslan Çetin Kara Koç Kurt Özkan".split(),
    ),
    "south_asian": (
        "Rahul Amit Sanjay Rajesh Suresh Vijay Arjun Rohan Vikram Anil Priya Anjali Sunita Kavita "
        "Pooja Neha Deepa Lakshmi Meena Ravi Karthik Venkatesh Imran Asif Farhan Ayesha Sadia "
        "Tanvir Nusrat".split(),
        "Sharma Verma Gupta Singh Kumar Patel Shah Mehta Joshi Reddy Nair Iyer Rao Pillai Menon "
        "Chatterjee Banerjee Mukherjee Das Bose Khan Qureshi Siddiqui Malik Chaudhry Hussain "
        "Rahman Hossain Ahmed Islam Krishnan Subramanian".split(),
    ),
    "chinese_pinyin": (
        "Wei Fang Min Jing Li Lei Jun Yang Yong Yan Jie Tao Ming Chao Xiu Ying Hua Hui Ping Gang "
        "Xiaoming Jianguo Zhiwei Haiyan Xiaohong Guoqiang Meiling Yuxuan Zihan Haoran Jiahao".split(),
        "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Gao Lin Luo Zheng "
        "Liang Xie Song Tang Han Feng Deng Cao Peng Zeng Xiao Tian Dong Pan Yuan Cai Jiang Yu Du".split(),
    ),
    "japanese_korean": (
        "Hiroshi Takashi Kenji Yuki Haruto Sota Ren Yuto Akira Daisuke Yoko Keiko Yumi Sakura Aoi "
        "Hina Minji Jiho Seojun Minjun Jiwoo Seoyeon Hyun Sungmin Jiyeon Eunji".split(),
        "Sato Suzuki Takahashi Tanaka Watanabe Ito Yamamoto Nakamura Kobayashi Kato Yoshida Yamada "
        "Sasaki Yamaguchi Matsumoto Inoue Kimura Hayashi Shimizu Kim Lee Park Choi Jung Kang Cho "
        "Yoon Jang Lim Han Oh Seo Shin Kwon".split(),
    ),
    "southeast_asian": (
        "Nguyen Minh Anh Duc Hung Thanh Tuan Linh Huong Lan Mai Trang Budi Agus Siti Dewi Putri "
        "Rizky Ahmad Nurul Somchai Somsak Niran Kanya Malee Jose Mark Joy Grace".split(),
        "Nguyen Tran Le Pham Hoang Huynh Phan Vu Vo Dang Bui Do Ho Ngo Duong Santoso Wijaya "
        "Susanto Hidayat Saputra Kusuma Pratama Setiawan Suryadi Rattanakorn Srisuk Wongsakul "
        "Santos Reyes Cruz Bautista Ocampo Mendoza".split(),
    ),
    "african": (
        "Oluwaseun Chinedu Emeka Ngozi Adebayo Folake Tunde Chiamaka Ifeoma Kwame Kofi Ama Yaw "
        "Abena Juma Wanjiru Otieno Achieng Baraka Amani Thabo Sipho Lerato Naledi Tendai Fatou "
        "Mamadou Aminata Ousmane Abdoulaye Mariam Haile Tesfaye Almaz".split(),
        "Okafor Adeyemi Okonkwo Eze Nwosu Balogun Ogunleye Adebayo Mensah Owusu Boateng Asante "
        "Kamau Mwangi Otieno Odhiambo Njoroge Wanjiku Nkosi Dlamini Ndlovu Mokoena Moyo Diallo "
        "Traoré Keita Koné Diop Ndiaye Sow Bekele Tadesse Girma".split(),
    ),
    "greek_balkan": (
        "Georgios Dimitrios Konstantinos Ioannis Nikolaos Maria Eleni Aikaterini Sofia Milan Marko "
        "Nikola Stefan Ivana Jelena Ana Dragan Goran Zoran".split(),
        "Papadopoulos Papadakis Georgiou Nikolaou Karagiannis Vasileiou Konstantinou Oikonomou "
        "Jovanović Petrović Nikolić Marković Đorđević Stojanović Ilić Horvat Kovačević Babić "
        "Popescu Ionescu Dumitru Stoica".split(),
    ),
}

#: The same kind of names in their own scripts (a few percent of innocents).
NATIVE_PERSONS: dict[str, list[str]] = {
    "cyrillic": "Александр Иванов|Сергей Петрович Смирнов|Ольга Кузнецова|Дмитрий Попов|Анна Соколова|"
    "Иван Михайлов|Наталья Новикова|Андрей Фёдоров|Олег Морозов|Татьяна Волкова|Юрий Лебедев|"
    "Ірина Шевченко|Марина Козлова|Павел Егоров".split("|"),
    "arabic": "محمد عبد الله|أحمد حسن|علي محمود|فاطمة الزهراء|خالد إبراهيم|عمر يوسف|مريم سعيد|"
    "حسين علي|يوسف منصور|سارة خليل|عبد الرحمن صالح|نور الهدى".split("|"),
    "han": "王伟|李娜|张敏|刘洋|陈静|杨帆|赵磊|黄丽|周杰|吴敏|徐强|孙悦|马超|朱婷|胡军".split("|"),
    "japanese": "佐藤健|鈴木一郎|高橋美咲|田中浩|渡辺直美|伊藤翔|山本大輔|中村さくら".split("|"),
    "greek": "Γεώργιος Παπαδόπουλος|Μαρία Νικολάου|Δημήτρης Γεωργίου|Ελένη Κωνσταντίνου".split("|"),
    "korean": "김민준|이서연|박지호|최수빈|정하늘".split("|"),
}

# --- company pools -------------------------------------------------------------------------

SECTORS = (
    "Trading|Logistics|Shipping|Consulting|Technologies|Foods|Textiles|Pharma|Construction|Electronics|"
    "Holdings|Industries|Solutions|Capital|Engineering|Auto Parts|Agro|Marine Services|Software|Media|"
    "Packaging|Furniture|Plastics|Steel|Chemicals|Medical Supplies|Travel|Real Estate|Energy|Apparel|"
    "Fresh Produce|Dairy|Coffee|Tea Company|Printing|Security|Telecom|Garments|Ceramics|Paper|"
    "Properties|Investments|Advisors|Analytics|Robotics|Optics|Bakery|Catering|Freight|Hardware"
).split("|")

BRAND_PARTS = (
    "Blue|Green|North|South|East|West|Silver|Golden|Summit|Pioneer|Horizon|Atlas|Orion|Apex|Vertex|"
    "Nova|Delta|Sigma|Alpha|Omega|Crescent|Falcon|Eagle|Lotus|Cedar|Oak|Maple|River|Lake|Harbor|"
    "Bridge|Star|Sun|Moon|Crystal|Diamond|Pearl|Coral|Evergreen|Bright|Smart|Prime|Royal|Unity|"
    "Vista|Zenith|Nexus|Quantum|Fusion|Spark|Pacific|Atlantic|Baltic|Alpine|Sahara|Amber|Ivory"
).split("|")

SYLLABLES = "ka|ro|ti|ma|no|vi|sa|le|te|ra|zo|pa|mi|do|lu|ne|ko|ga|fi|bo|ri|sen|tek|lan|dor|mar|vel|tor|nix|ber".split("|")

PLACES = (
    "London|Manchester|Hamburg|Munich|Lyon|Milano|Torino|Valencia|Porto|Rotterdam|Antwerp|Gdansk|"
    "Istanbul|Izmir|Dubai|Sharjah|Mumbai|Pune|Chennai|Karachi|Dhaka|Shenzhen|Guangzhou|Ningbo|"
    "Shanghai|Tianjin|Osaka|Nagoya|Busan|Incheon|Hanoi|Saigon|Jakarta|Surabaya|Manila|Lagos|"
    "Nairobi|Accra|Casablanca|Cairo|Sao Paulo|Curitiba|Monterrey|Bogota|Lima|Santiago|Toronto|Texas"
).split("|")

#: culture → (legal forms, pattern keys)
COMPANY_STYLES: dict[str, tuple[list[str], str]] = {
    "english": (["Ltd", "Limited", "LLC", "Inc.", "PLC", "Corp.", "Co.", "LLP", "Pty Ltd"], "en"),
    "german": (["GmbH", "AG", "GmbH & Co. KG", "KG", "UG"], "de"),
    "french": (["SARL", "SA", "SAS", "EURL"], "fr"),
    "italian": (["S.p.A.", "S.r.l.", "SRL"], "it"),
    "spanish": (["S.L.", "S.A.", "S.A. de C.V.", "SL"], "es"),
    "dutch": (["B.V.", "N.V.", "BV"], "nl"),
    "russian": (["OOO", "AO", "LLC", "PAO", "TOV"], "ru"),
    "chinese": (["Co., Ltd.", "Co. Ltd", "Limited", "Group Co., Ltd."], "zh"),
    "japanese": (["Co., Ltd.", "K.K.", "Kabushiki Kaisha", "Corporation"], "ja"),
    "korean": (["Co., Ltd.", "Corporation", "Inc."], "en"),
    "turkish": (["A.Ş.", "Ltd. Şti.", "San. ve Tic. A.Ş."], "tr"),
    "indian": (["Pvt. Ltd.", "Private Limited", "Limited", "LLP"], "en"),
    "gulf": (["LLC", "FZE", "FZCO", "FZ-LLC", "W.L.L.", "Est."], "ar"),
    "brazilian": (["Ltda.", "S.A.", "ME", "EIRELI"], "pt"),
    "polish": (["Sp. z o.o.", "S.A."], "pl"),
}

NATIVE_COMPANIES = (
    "ООО «Ромашка»|АО «Северная звезда»|ООО «Техноторг»|深圳市华丰电子有限公司|上海金桥贸易有限公司|"
    "株式会社山田製作所|주식회사 한빛|شركة النور للتجارة|مؤسسة الأمل للمقاولات|ТОВ «Агросвіт»"
).split("|")

COUNTRY_OF = {
    "english": ["gb", "us", "au", "ca", "ie", "nz"], "hispanic": ["es", "mx", "co", "ar", "pe", "cl"],
    "portuguese": ["pt", "br"], "french": ["fr", "be", "ch", "ca"], "german": ["de", "at", "ch"],
    "italian": ["it"], "dutch_nordic": ["nl", "se", "no", "dk", "fi"], "polish_czech": ["pl", "cz"],
    "russian_latin": ["ru", "ua", "kz", "by"], "arabic_latin": ["ae", "sa", "eg", "jo", "lb", "ma"],
    "persian_turkish": ["tr", "ir"], "south_asian": ["in", "pk", "bd"], "chinese_pinyin": ["cn", "hk", "sg", "tw"],
    "japanese_korean": ["jp", "kr"], "southeast_asian": ["vn", "id", "th", "ph", "my"],
    "african": ["ng", "gh", "ke", "za", "sn", "et"], "greek_balkan": ["gr", "rs", "hr", "ro"],
    "german_co": ["de"], "spanish": ["es", "mx"], "dutch": ["nl"], "russian": ["ru"], "chinese": ["cn", "hk"],
    "japanese": ["jp"], "korean": ["kr"], "turkish": ["tr"], "indian": ["in"], "gulf": ["ae", "qa", "om"],
    "brazilian": ["br"], "polish": ["pl"],
}

VESSEL_WORDS = "Star|Sea|Ocean|Spirit|Queen|Princess|Glory|Fortune|Express|Pioneer|Wind|Wave|Breeze|Dawn".split("|")

#: Schemas of listed records, as a customer file would name them.
QUERY_SCHEMA = {"Person": "Person", "Vessel": "Vessel", "Airplane": "Airplane"}


@dataclass
class MixQuery:
    name: str
    schema: str
    category: str  # "listed" or "innocent"
    variant: str  # how it was made
    country: str | None = None
    birth_date: str | None = None
    extra: dict = field(default_factory=dict)

    def row(self, i: int) -> dict[str, str]:
        data = {"id": f"q{i}", "name": self.name, "schema": self.schema}
        if self.country:
            data["country"] = self.country
        if self.birth_date:
            data["birth_date"] = self.birth_date
        return data


# --- generation --------------------------------------------------------------------------


def _typo(rng: random.Random, text: str) -> str:
    """One keyboard-style edit on a letter of a word of 4+ letters."""
    words = text.split()
    spots = [i for i, w in enumerate(words) if sum(c.isalpha() for c in w) >= 4]
    if not spots:
        return text
    i = rng.choice(spots)
    w = words[i]
    letters = [j for j, c in enumerate(w) if c.isalpha()]
    j = rng.choice(letters[1:] or letters)
    op = rng.choice(["sub", "del", "ins", "swap"])
    lower = string.ascii_lowercase
    if op == "sub":
        w = w[:j] + rng.choice(lower) + w[j + 1 :]
    elif op == "del":
        w = w[:j] + w[j + 1 :]
    elif op == "ins":
        w = w[:j] + rng.choice(lower) + w[j:]
    elif j + 1 < len(w):
        w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    words[i] = w
    return " ".join(words)


def listed_query(rng: random.Random, record) -> MixQuery:
    names = [t for k, t in record.names if k in ("name", "alias")] or [t for _, t in record.names]
    latin = [n for n in names if all(ord(c) < 0x250 for c in n)]
    name = names[0] if rng.random() < 0.6 else rng.choice(latin or names)
    schema = QUERY_SCHEMA.get(record.schema) or rng.choice([record.schema, "LegalEntity", "Company"])
    if schema not in ("Person", "Company", "Organization", "LegalEntity", "Vessel", "Airplane"):
        schema = "LegalEntity"
    words = name.split()
    roll = rng.random()
    if roll < 0.25:
        variant, text = "exact", name
    elif roll < 0.55:
        variant, text = "typo", _typo(rng, name)
    elif roll < 0.70 and len(words) >= 2:
        variant = "reorder"
        if record.schema == "Person":
            text = " ".join(words[-1:] + words[:-1])
        else:
            text = " ".join(words[1:] + words[:1])
    elif roll < 0.80:
        variant = "case+punct"
        text = name.upper().replace(",", "").replace(".", "") if rng.random() < 0.5 else name.title()
    elif roll < 0.90 and len(words) >= 3:
        variant = "dropped word"
        k = rng.randrange(1, len(words) - 1) if record.schema == "Person" else len(words) - 1
        text = " ".join(words[:k] + words[k + 1 :])
    else:
        variant = "extra word"
        text = name + " " + (rng.choice(["Jr", "Ltd", "Trading", "International"]) if record.schema != "Person"
                             else rng.choice(["Jr", "Ali", "Maria", "Ivanovich"]))
    country = None
    if record.countries and rng.random() < 0.4:
        country = rng.choice(sorted(record.countries))
    birth = None
    if record.schema == "Person" and record.birth_dates and rng.random() < 0.25:
        birth = record.birth_dates[0]
    return MixQuery(text, schema, "listed", variant, country, birth, {"entity_id": record.entity_id})


def _brand(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.35:
        return rng.choice(BRAND_PARTS)
    if roll < 0.55:
        return rng.choice(BRAND_PARTS) + rng.choice(["tech", "line", "star", "way", "net", "gen"])
    if roll < 0.8:
        return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    pool = rng.choice(list(PERSON_POOLS.values()))
    return rng.choice(pool[1])


def person_name(rng: random.Random, culture: str) -> str:
    given, family = PERSON_POOLS[culture]
    g, f = rng.choice(given), rng.choice(family)
    roll = rng.random()
    if culture == "hispanic" and roll < 0.6:
        return f"{g} {f} {rng.choice(family)}"
    if culture == "portuguese" and roll < 0.6:
        return f"{g} {rng.choice(family)} {f}"
    if culture == "russian_latin" and roll < 0.4:
        father = rng.choice(given)
        return f"{g} {father}ovich {f}" if not father.endswith(("i", "y")) else f"{g} {father[:-1]}evich {f}"
    if culture == "arabic_latin" and roll < 0.5:
        return f"{g} {rng.choice(['bin', 'ibn', 'Abu'])} {rng.choice(given)} {f}"
    if culture == "arabic_latin" and roll < 0.7:
        return f"{g} {rng.choice(given)} {f}"
    if culture == "chinese_pinyin" and roll < 0.5:
        return f"{f} {g}"
    if culture == "chinese_pinyin" and roll < 0.6:
        return f"{f.upper()} {g}"
    if culture == "japanese_korean" and roll < 0.4:
        return f"{f} {g}"
    if culture == "southeast_asian" and roll < 0.4:
        return f"{f} {rng.choice(given)} {g}"
    if roll < 0.15:
        return f"{g} {rng.choice(string.ascii_uppercase)}. {f}"
    if roll < 0.30:
        return f"{g} {rng.choice(given)} {f}"
    if roll < 0.36:
        return f"{f.upper()}, {g}"
    return f"{g} {f}"


def company_name(rng: random.Random, style: str) -> str:
    forms, lang = COMPANY_STYLES[style]
    legal = rng.choice(forms)
    sector = rng.choice(SECTORS)
    brand = _brand(rng)
    roll = rng.random()
    if lang == "zh":
        place = rng.choice(["Shenzhen", "Guangzhou", "Ningbo", "Shanghai", "Tianjin", "Xiamen", "Yiwu", "Dongguan"])
        return f"{place} {brand} {sector} {legal}"
    if lang == "ru":
        return f"{legal} {brand} {sector}" if roll < 0.5 else f'{legal} "{brand}"'
    if lang == "ja" and roll < 0.5:
        return f"{rng.choice(PERSON_POOLS['japanese_korean'][1])} {sector} {legal}"
    if lang == "de" and roll < 0.4:
        return f"{rng.choice(PERSON_POOLS['german'][1])} {sector} {legal}"
    if lang == "ar":
        return f"{brand} {sector} {legal}" if roll < 0.6 else f"Al {rng.choice(PERSON_POOLS['arabic_latin'][1])} {sector} {legal}"
    if roll < 0.15:
        return f"{rng.choice(PLACES)} {sector} {legal}"
    if roll < 0.30:
        a = rng.choice(PERSON_POOLS[rng.choice(list(PERSON_POOLS))][1])
        b = rng.choice(PERSON_POOLS[rng.choice(list(PERSON_POOLS))][1])
        return f"{a} & {b} {legal}"
    if roll < 0.40:
        return f"{brand} {legal}"
    return f"{brand} {sector} {legal}"


def innocent_query(rng: random.Random) -> MixQuery:
    roll = rng.random()
    country = None
    if roll < 0.03:
        script = rng.choice(list(NATIVE_PERSONS))
        return MixQuery(rng.choice(NATIVE_PERSONS[script]), "Person", "innocent", f"person/{script}")
    if roll < 0.045:
        return MixQuery(rng.choice(NATIVE_COMPANIES), "Company", "innocent", "company/native")
    if roll < 0.06:
        name = f"{rng.choice(BRAND_PARTS)} {rng.choice(VESSEL_WORDS)}" + (f" {rng.randint(1, 9)}" if rng.random() < 0.3 else "")
        return MixQuery(name.upper(), "Vessel", "innocent", "vessel")
    if roll < 0.58:
        culture = rng.choice(list(PERSON_POOLS))
        if rng.random() < 0.4:
            country = rng.choice(COUNTRY_OF[culture])
        birth = None
        if rng.random() < 0.15:
            birth = f"{rng.randint(1940, 2004)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        return MixQuery(person_name(rng, culture), "Person", "innocent", f"person/{culture}", country, birth)
    style = rng.choice(list(COMPANY_STYLES))
    if rng.random() < 0.4:
        country = rng.choice(COUNTRY_OF.get(style, ["us"]))
    schema = rng.choice(["Company", "Company", "LegalEntity", "Organization"])
    return MixQuery(company_name(rng, style), schema, "innocent", f"company/{style}", country)


def iter_mix(records, n: int, seed: int, listed_share: float = 0.15) -> Iterator[MixQuery]:
    """``n`` queries, one at a time: ``listed_share`` from listed records, the rest innocent."""
    rng = random.Random(seed)
    for _ in range(n):
        if rng.random() < listed_share:
            yield listed_query(rng, records[rng.randrange(len(records))])
        else:
            yield innocent_query(rng)


def make_mix(records, n: int, seed: int, listed_share: float = 0.15) -> list[MixQuery]:
    """``n`` queries as a list (the same sequence as ``iter_mix``)."""
    return list(iter_mix(records, n, seed, listed_share))
