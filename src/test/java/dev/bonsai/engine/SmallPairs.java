package dev.bonsai.engine;

import java.util.List;

/**
 * Question and answer pairs for tests of embedding models: each question's answer says what was
 * asked without repeating the question, as a search engine's users and the passages they want do.
 * Written for these tests, 48 pairs in a fixed order.
 */
public final class SmallPairs {

    public static final List<String[]> PAIRS = List.of(
            new String[] {"how long do elephants carry their young", "An elephant pregnancy lasts close to twenty-two months."},
            new String[] {"what do koalas eat", "Koalas feed almost only on eucalyptus leaves."},
            new String[] {"why is the sky blue", "Air scatters short wavelengths of sunlight more than long ones."},
            new String[] {"when did the berlin wall fall", "Crowds crossed the border in Berlin on 9 November 1989."},
            new String[] {"how hot is the surface of the sun", "The photosphere is about 5,500 degrees Celsius."},
            new String[] {"who painted the mona lisa", "Leonardo da Vinci worked on the portrait in Florence."},
            new String[] {"what is the capital of australia", "Canberra was chosen as a compromise between Sydney and Melbourne."},
            new String[] {"how many bones are in the human body", "An adult skeleton has 206 of them."},
            new String[] {"what causes tides", "The pull of the Moon and the Sun raises and lowers the oceans twice a day."},
            new String[] {"how do bees make honey", "Workers turn flower nectar into a thick syrup by evaporation in the hive."},
            new String[] {"what is the boiling point of water at sea level", "At normal pressure it turns to steam at 100 degrees."},
            new String[] {"who wrote pride and prejudice", "Jane Austen published the novel in 1813."},
            new String[] {"how far away is the moon", "It orbits roughly 384,000 kilometres from Earth."},
            new String[] {"what is the largest ocean", "The Pacific covers about a third of the planet."},
            new String[] {"how do vaccines work", "They train the immune system to recognise a germ before an infection."},
            new String[] {"what language is spoken in brazil", "Most Brazilians speak Portuguese."},
            new String[] {"how tall is mount everest", "Its summit stands 8,849 metres above sea level."},
            new String[] {"why do leaves change colour in autumn", "Chlorophyll breaks down and yellow and red pigments show."},
            new String[] {"what is the speed of light", "In a vacuum it travels nearly 300,000 kilometres per second."},
            new String[] {"who discovered penicillin", "Alexander Fleming noticed mould killing bacteria in 1928."},
            new String[] {"how many players are on a football team", "Each side fields eleven, one of them the goalkeeper."},
            new String[] {"what is the longest river in africa", "The Nile runs more than 6,600 kilometres to the Mediterranean."},
            new String[] {"how do airplanes stay in the air", "Wings shaped to deflect air downward produce lift."},
            new String[] {"what is the smallest planet", "Mercury is only a little larger than our Moon."},
            new String[] {"how much sleep does an adult need", "Most grown-ups do best with seven to nine hours a night."},
            new String[] {"what are clouds made of", "Tiny droplets of water or crystals of ice float together."},
            new String[] {"who invented the telephone", "Alexander Graham Bell patented it in 1876."},
            new String[] {"what gas do plants absorb", "Leaves take in carbon dioxide and release oxygen."},
            new String[] {"how long does light from the sun take to reach us", "Sunlight arrives after about eight minutes."},
            new String[] {"what is the hardest natural material", "Diamond, a form of carbon, scratches every other mineral."},
            new String[] {"where do penguins live", "Most species breed on the coasts of Antarctica and southern islands."},
            new String[] {"how many continents are there", "Geographers usually count seven large landmasses."},
            new String[] {"what is the main ingredient of guacamole", "It is mashed avocado with lime and salt."},
            new String[] {"how does a compass work", "Its magnetised needle lines up with Earth's magnetic field."},
            new String[] {"what is the freezing point of water in fahrenheit", "Ice forms at thirty-two degrees on that scale."},
            new String[] {"who was the first person on the moon", "Neil Armstrong stepped onto the surface in July 1969."},
            new String[] {"why do cats purr", "The vibration comes from the muscles of the larynx, often when content."},
            new String[] {"how old is the universe", "Measurements put it at about 13.8 billion years."},
            new String[] {"what is the most spoken language", "Mandarin Chinese has the most native speakers."},
            new String[] {"how do earthquakes happen", "Rock slips suddenly along a fault as tectonic plates move."},
            new String[] {"what does a thermometer measure", "It shows how hot or cold something is."},
            new String[] {"how many strings does a violin have", "The instrument is tuned in fifths across four of them."},
            new String[] {"what is the chemical symbol for gold", "Chemists write Au, from the Latin aurum."},
            new String[] {"how fast can a cheetah run", "It sprints at up to about 110 kilometres per hour."},
            new String[] {"what is the largest desert", "Antarctica, a cold desert, is bigger than the Sahara."},
            new String[] {"who composed the four seasons", "Antonio Vivaldi wrote the violin concertos around 1720."},
            new String[] {"what makes bread rise", "Yeast ferments sugar and the carbon dioxide it gives off fills the dough."},
            new String[] {"how many hearts does an octopus have", "It has three: two pump blood through the gills."});

    private SmallPairs() {
    }

    public static List<String> anchors() {
        return PAIRS.stream().map(pair -> pair[0]).toList();
    }

    public static List<String> positives() {
        return PAIRS.stream().map(pair -> pair[1]).toList();
    }

    /** The pairs as a CSV file with the columns {@code anchor,positive}. */
    public static String csv() {
        StringBuilder csv = new StringBuilder("anchor,positive\n");
        for (String[] pair : PAIRS) {
            csv.append(quote(pair[0])).append(',').append(quote(pair[1])).append('\n');
        }
        return csv.toString();
    }

    private static String quote(String field) {
        return field.contains(",") || field.contains("\"") ? '"' + field.replace("\"", "\"\"") + '"' : field;
    }
}
